// QS3xx: FX traceability under prepare_fx / symbolic_trace / fuse_fx (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { checkMarked, py } from "./helpers";

const QS3 = ["QS3"];

function fxScript(classes: string, root = "M", api = "prepare_fx"): string {
  const call =
    api === "symbolic_trace"
      ? `symbolic_trace(${root}())`
      : `${api}(${root}().eval(), get_default_qconfig_mapping("x86"), (torch.randn(2, 4),))`;
  return [
    "import math",
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "from torch.fx import symbolic_trace",
    "from torch.ao.quantization import get_default_qconfig_mapping",
    "from torch.ao.quantization.quantize_fx import prepare_fx, prepare_qat_fx, fuse_fx",
    "",
    classes.trim(),
    "",
    "",
    call,
    "",
  ].join("\n");
}

test("QS301: if / while / assert / conditional expression on traced values", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              if x.sum() > 0:  # expect: QS301 error
                  x = self.fc(x)
              while x.norm() > 1:  # expect: QS301 error
                  x = x * 0.5
              assert x.dim() == 2  # expect: QS301 error
              y = x if x.shape[0] > 1 else -x  # expect: QS301 error
              return y
    `),
    QS3,
  );
});

test("QS301 stays silent on the patterns PyTorch traces", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def __init__(self, use_head=True, layers=2):
              super().__init__()
              self.use_head = use_head
              self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(layers)])
              self.n = layers
              self.fc = nn.Linear(4, 4)

          def forward(self, x, mask=None):
              b, c = x.shape
              if mask is not None:
                  x = x.masked_fill(mask, 0.0)
              if self.training:
                  x = F.dropout(x, 0.1)
              if torch.jit.is_scripting():
                  return x
              if self.use_head:
                  x = self.fc(x)
              for layer in self.layers:
                  x = layer(x)
              for i in range(self.n):
                  x = x + i
              scale = math.sqrt(x.size(-1))
              x = x.view(b, c) / scale
              half = x.shape[1] // 2
              return torch.cat([x[:, :half], x[:, half:]], dim=1), torch.zeros(x.shape[0])
    `),
    QS3,
  );
});

test("QS302: bool(), and/or/not and builtin max on traced values", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def forward(self, x):
              ok = bool(x.mean() > 0)  # expect: QS302 error
              both = x.sum() > 0 and x.max() < 1  # expect: QS302 error
              neither = not x.any()  # expect: QS302 error
              size = max(x.shape[0], 1)  # expect: QS302 error
              return x
    `),
    QS3,
  );
});

test("QS303: iteration over traced values; fixed-size unpacking is fine", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def forward(self, x):
              n, d = x.shape
              for row in x:  # expect: QS303 error
                  pass
              parts = [p * 2 for p in x.chunk(2)]  # expect: QS303 error
              first, *rest = x.shape  # expect: QS303 error
              y = x.view(*x.shape)  # expect: QS303 error
              return x
    `),
    QS3,
  );
});

test("QS304: len/int/float/range of traced values", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def forward(self, x):
              n = len(x)  # expect: QS304 error
              half = int(x.shape[1]) // 2  # expect: QS304 error
              s = float(x.size(0))  # expect: QS304 error
              for i in range(x.size(0)):  # expect: QS304 error
                  pass
              return x
    `),
    QS3,
  );
});

test("QS3xx inside same-file helpers and submodule forwards, reported where the problem is", async () => {
  await checkMarked(
    fxScript(py`
      def clamp_rows(x):
          if x.shape[0] > 8:  # expect: QS301 error
              x = x[:8]
          return x


      @torch.fx.wrap
      def opaque(x):
          if x.sum() > 0:
              return x
          return -x


      class Gate(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              while x.abs().max() > 10:  # expect: QS301 error
                  x = x / 2
              return self.fc(x)


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.gate = Gate()

          def forward(self, x):
              x = clamp_rows(x)
              x = opaque(x)
              return self.gate(x)
    `),
    QS3,
  );
});

test("QS3xx: only when the model is traced; non-traceable modules and concrete_args are respected", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn


      class Untraced(nn.Module):
          def forward(self, x):
              if x.sum() > 0:
                  return x
              return -x
    `,
    QS3,
  );
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      from torch.ao.quantization import get_default_qconfig_mapping
      from torch.ao.quantization.quantize_fx import prepare_fx
      from torch.ao.quantization.fx.custom_config import PrepareCustomConfig


      class Dynamic(nn.Module):
          def forward(self, x):
              if x.sum() > 0:
                  return x
              return -x


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.dyn = Dynamic()
              self.fc = nn.Linear(4, 4)

          def forward(self, x, flag=True):
              if flag:  # expect: QS301 error
                  x = self.fc(x)
              return self.dyn(x)


      cfg = PrepareCustomConfig().set_non_traceable_module_names(["dyn"])
      prepare_fx(M().eval(), get_default_qconfig_mapping("x86"), (torch.randn(1, 4),), prepare_custom_config=cfg)
    `,
    QS3,
  );
  await checkMarked(
    py`
      import torch
      import torch.nn as nn


      class N(nn.Module):
          def forward(self, x, flag=True):
              if flag:
                  x = x + 1
              return x


      torch.fx.symbolic_trace(N(), concrete_args={"flag": True})
    `,
    QS3,
  );
});

test("symbolic_trace and fuse_fx trace too", async () => {
  await checkMarked(
    fxScript(
      py`
      class M(nn.Module):
          def forward(self, x):
              return x if x.numel() > 0 else x + 1  # expect: QS301 error
    `,
      "M",
      "symbolic_trace",
    ),
    QS3,
  );
});

test("parameters are traced values, buffers stay concrete tensors (FX's default)", async () => {
  await checkMarked(
    fxScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.gain = nn.Parameter(torch.ones(4))
              self.register_buffer("calibrated", torch.zeros(1))

          def forward(self, x):
              if self.calibrated.item() > 0:
                  x = x * 2
              if self.gain.sum() > 0:  # expect: QS301 error
                  x = x * self.gain
              return x
    `),
    QS3,
  );
});

test("torch.fx.wrap('len') at module scope makes len() traceable", async () => {
  await checkMarked(
    py`
      import torch
      import torch.fx

      torch.fx.wrap("len")


      class M(torch.nn.Module):
          def forward(self, x):
              return x.view(len(x), -1)


      torch.fx.symbolic_trace(M())
    `,
    QS3,
  );
});

test("QS305: prepare_fx on a training-mode model with conv -> bn; eval mode, QAT and no BatchNorm are fine", async () => {
  const model = py`
    import torch
    import torch.nn as nn
    from torch.ao.quantization import get_default_qconfig_mapping, get_default_qat_qconfig_mapping
    from torch.ao.quantization.quantize_fx import prepare_fx, prepare_qat_fx


    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)
            self.head = nn.Sequential(nn.Conv2d(8, 8, 1), nn.BatchNorm2d(8), nn.ReLU())

        def forward(self, x):
            return self.head(torch.relu(self.bn(self.conv(x))))


    class NoBn(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)

        def forward(self, x):
            return self.conv(x)


    ex = (torch.randn(1, 3, 8, 8),)
  `;
  const findings = await checkMarked(
    model +
      py`
      bad = prepare_fx(M(), get_default_qconfig_mapping("x86"), ex)  # expect: QS305 error
      good = prepare_fx(M().eval(), get_default_qconfig_mapping("x86"), ex)
      qat = prepare_qat_fx(M().train(), get_default_qat_qconfig_mapping("x86"), ex)
      plain = prepare_fx(NoBn(), get_default_qconfig_mapping("x86"), ex)
    `,
    QS3,
  );
  assert.match(findings.find((f) => f.code === "QS305")?.message ?? "", /`conv` \(Conv2d\) with `bn` \(BatchNorm2d\)/);
});
