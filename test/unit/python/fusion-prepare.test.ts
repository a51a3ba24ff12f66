// QS2xx: fuse_modules, prepare_qat mode, discarded results, convert without prepare (test process).
import { test } from "node:test";
import { checkMarked, py } from "./helpers";

const QS2 = ["QS2"];

const MODEL = py`
  import torch
  import torch.nn as nn
  import torch.ao.quantization as tq


  class M(nn.Module):
      def __init__(self):
          super().__init__()
          self.quant = tq.QuantStub()
          self.conv = nn.Conv2d(1, 4, 3)
          self.bn = nn.BatchNorm2d(4)
          self.relu = nn.ReLU()
          self.relu6 = nn.ReLU6()
          self.block = nn.Sequential(nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4))
          self.fc = nn.Linear(4, 2)
          self.dequant = tq.DeQuantStub()

      def forward(self, x):
          x = self.relu(self.bn(self.conv(self.quant(x))))
          x = self.block(x).mean((2, 3))
          return self.dequant(self.fc(x))


`;

test("QS201: fuse_modules names a missing submodule, also inside a Sequential", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      m = tq.fuse_modules(m, [["conv", "bn", "rleu"], ["block.0", "block.2"]])  # expect: QS201 error, QS201 error
      tq.fuse_modules(m, [["conv", "bn", "relu"], ["block.0", "block.1"]], inplace=True)
    `,
    QS2,
  );
});

test("QS202: unsupported patterns and orders", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      a = tq.fuse_modules(m, [["bn", "conv"]])  # expect: QS202 error
      b = tq.fuse_modules(m, [["conv", "relu6"]])  # expect: QS202 error
      c = tq.fuse_modules(m, ["conv", "bn"])
      d = tq.fuse_modules(m, [["fc", "relu"], ["bn", "relu"]])
    `,
    QS2,
  );
});

test("QS203: conv+bn fused in training mode; fine in eval mode and with fuse_modules_qat", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M()
      a = tq.fuse_modules(m, [["conv", "bn", "relu"]])  # expect: QS203 error
      b = tq.fuse_modules(m, [["conv", "relu"]])
      c = tq.fuse_modules_qat(m, [["conv", "bn", "relu"]])
      m.eval()
      d = tq.fuse_modules(m, [["conv", "bn", "relu"]])
      m.train()
      e = tq.fuse_modules(M().eval(), [["conv", "bn"]])
    `,
    QS2,
  );
});

test("QS204: prepare_qat on a model in eval mode", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      m.qconfig = tq.get_default_qat_qconfig("x86")
      fused = tq.fuse_modules_qat(m.train(), [["conv", "bn", "relu"]])
      p = tq.prepare_qat(fused.eval())  # expect: QS204 error
      q = tq.prepare_qat(fused.train())
    `,
    QS2,
  );
});

test("QS205, QS206: a discarded prepare makes convert quantize nothing", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      m.qconfig = tq.get_default_qconfig("x86")
      tq.prepare(m)  # expect: QS205 warning
      m(torch.randn(1, 1, 8, 8))
      q = tq.convert(m)  # expect: QS206 warning
      tq.prepare(m, inplace=True)
      m(torch.randn(1, 1, 8, 8))
      tq.convert(m, inplace=True)
    `,
    QS2,
  );
});

test("QS207: prepare with no qconfig anywhere; silent when qconfigs are set in a loop we cannot follow", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      p = tq.prepare(m)  # expect: QS207 warning
    `,
    QS2,
  );
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      for name, mod in m.named_modules():
          mod.qconfig = tq.get_default_qconfig("x86")
      p = tq.prepare(m)
    `,
    QS2,
  );
});

test("a fuse_model() method runs with self bound to the model", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      from torch.ao.quantization import fuse_modules, QuantStub, DeQuantStub, get_default_qconfig, prepare, convert


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = QuantStub()
              self.conv = nn.Conv2d(1, 4, 3)
              self.bn = nn.BatchNorm2d(4)
              self.relu = nn.ReLU()
              self.dequant = DeQuantStub()

          def forward(self, x):
              return self.dequant(self.relu(self.bn(self.conv(self.quant(x)))))

          def fuse_model(self):
              fuse_modules(self, [["conv", "bn", "relu"]], inplace=True)  # expect: QS203 error

          def fuse_typo(self):
              fuse_modules(self, [["conv", "bnn"]], inplace=True)  # expect: QS201 error


      m = M()
      m.fuse_model()
      m.eval()
      m.fuse_model()
      m.fuse_typo()
      m.qconfig = get_default_qconfig("x86")
      p = prepare(m)
      p(torch.randn(1, 1, 8, 8))
      q = convert(p)
      q(torch.randn(1, 1, 8, 8))
    `,
    ["QS1", "QS2"],
  );
});

test("near misses: submodules built in a helper method, chosen conditionally, or a mode set by code we cannot see", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      import torch.ao.quantization as tq
      from mylib import prepare_for_deploy


      class M(nn.Module):
          def __init__(self, use_bn=True):
              super().__init__()
              self.conv = nn.Conv2d(1, 4, 3)
              if use_bn:
                  self.bn = nn.BatchNorm2d(4)
              else:
                  self.bn = nn.Identity()
              self._build_head()

          def _build_head(self):
              self.relu = nn.ReLU()

          def forward(self, x):
              return self.relu(self.bn(self.conv(x)))


      m = M()
      prepare_for_deploy(m)
      fused = tq.fuse_modules(m, [["conv", "bn"], ["conv", "relu"]])
    `,
    QS2,
  );
});

test("QS208, QS209, QS210: prepare_fx without example_inputs, convert_fx of an unprepared model, unknown backends", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      from torch.ao.quantization import get_default_qconfig, get_default_qconfig_mapping
      from torch.ao.quantization.quantize_fx import prepare_fx, convert_fx


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(x)


      torch.backends.quantized.engine = "fbgem"  # expect: QS210 error
      qc = get_default_qconfig("arm")  # expect: QS210 error
      mapping = get_default_qconfig_mapping("x86")
      p = prepare_fx(M().eval(), mapping)  # expect: QS208 error
      ok = prepare_fx(M().eval(), mapping, example_inputs=(torch.randn(1, 4),))
      ok(torch.randn(1, 4))
      q = convert_fx(ok)
      bad = convert_fx(M().eval())  # expect: QS209 error
      torch.backends.quantized.engine = "qnnpack"
    `,
    QS2,
  );
});

test("classes built on nn.Sequential or external bases: names we cannot see are not reported", async () => {
  await checkMarked(
    py`
      import torch.nn as nn
      import torch.ao.quantization as tq
      from torchvision.models import ResNet


      class ConvBNReLU(nn.Sequential):
          def __init__(self, cin, cout):
              super().__init__(nn.Conv2d(cin, cout, 3), nn.BatchNorm2d(cout), nn.ReLU())


      class Net(nn.Module):
          def __init__(self):
              super().__init__()
              self.stem = ConvBNReLU(3, 8)

          def forward(self, x):
              return self.stem(x)


      class MyResNet(ResNet):
          def forward(self, x):
              return self._forward_impl(x)


      n = Net().eval()
      tq.fuse_modules(n, [["stem.0", "stem.1", "stem.2"]], inplace=True)
      tq.fuse_modules(n, [["stem.typo", "stem.1"]], inplace=True)
      tq.fuse_modules(n, [["sterm", "stem"]], inplace=True)  # expect: QS201 error
    `,
    QS2,
  );
});

test("QS211: ConvTranspose with the per-channel x86 qconfig fails in prepare; per-tensor or None is fine", async () => {
  const model = py`
    import torch
    import torch.nn as nn
    import torch.ao.quantization as tq


    class Up(nn.Module):
        def __init__(self):
            super().__init__()
            self.quant = tq.QuantStub()
            self.up = nn.Sequential(nn.ConvTranspose2d(4, 4, 2, stride=2), nn.ReLU())
            self.dequant = tq.DeQuantStub()

        def forward(self, x):
            return self.dequant(self.up(self.quant(x)))


  `;
  await checkMarked(
    model +
      py`
      a = Up().eval()
      a.qconfig = tq.get_default_qconfig("x86")
      pa = tq.prepare(a)  # expect: QS211 error
      b = Up().eval()
      b.qconfig = tq.get_default_qconfig("x86")
      b.up[0].qconfig = tq.default_qconfig
      pb = tq.prepare(b)
      c = Up().eval()
      c.qconfig = tq.get_default_qconfig("qnnpack")
      pc = tq.prepare(c)
      d = Up().train()
      d.qconfig = tq.get_default_qat_qconfig("x86")
      pd = tq.prepare_qat(d)
    `,
    ["QS211"],
  );
});
