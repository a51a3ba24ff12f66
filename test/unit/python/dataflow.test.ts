// QS1xx: float and quantized tensors through eager-mode converted models (test process).
import { test } from "node:test";
import { checkMarked, eagerScript, py } from "./helpers";

const QS1 = ["QS1"];
/** Every family but the QS506 migration note. */
const ALL_BUT_INFO = ["QS1", "QS2", "QS3", "QS4", "QS501", "QS502", "QS503", "QS504", "QS505"];

test("QS101: a float input reaches a quantized Linear when there is no QuantStub", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              return self.dequant(self.fc(x))  # expect: QS101 error
    `),
    QS1,
  );
});

test("QS101 stays silent when the QuantStub comes first, and for ops that run on quantized tensors", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.conv = nn.Conv2d(1, 4, 3)
              self.relu = nn.ReLU()
              self.pool = nn.AdaptiveAvgPool2d(1)
              self.fc = nn.Linear(4, 2)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = x * 2.0
              x = self.quant(x)
              x = self.pool(self.relu(self.conv(x)))
              x = F.relu(torch.flatten(x, 1))
              x = x.view(x.size(0), -1).reshape(-1, 4)
              x = self.fc(x.mean(dim=1, keepdim=True).expand(-1, 4))
              x = self.dequant(x)
              return torch.softmax(x + 1, dim=1)
    `),
    QS1,
  );
});

test("QS101 is a warning when the converted model is never run", async () => {
  await checkMarked(
    eagerScript(
      py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(x)  # expect: QS101 warning
    `,
      { call: false },
    ),
    QS1,
  );
});

test("QS102: a module whose qconfig is None gets a quantized tensor", async () => {
  await checkMarked(
    eagerScript(
      py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.body = nn.Linear(4, 4)
              self.head = nn.Linear(4, 2)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = self.body(self.quant(x))
              x = self.head(x)  # expect: QS102 error
              return self.dequant(x)
    `,
      { extra: "m.head.qconfig = None" },
    ),
    QS1,
  );
});

test("QS102 stays silent when the float module is reached after a DeQuantStub", async () => {
  await checkMarked(
    eagerScript(
      py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.body = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()
              self.head = nn.Linear(4, 2)
              self.head.qconfig = None

          def forward(self, x):
              x = self.dequant(self.body(self.quant(x)))
              return self.head(x)
    `,
    ),
    QS1,
  );
});

test("QS102: a quantized tensor into a float-only module (BatchNorm1d has no quantized kernel)", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)
              self.bn = nn.BatchNorm1d(4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = self.bn(self.fc(self.quant(x)))  # expect: QS102 error
              return self.dequant(x)
    `),
    QS1,
  );
});

test("QS103: torch.add, +, += and * on quantized tensors", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc1 = nn.Linear(4, 4)
              self.fc2 = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = self.quant(x)
              a = self.fc1(x)
              b = torch.add(a, self.fc2(x))  # expect: QS103 error
              c = a + b  # expect: QS103 error
              c += a  # expect: QS103 error
              d = c * 0.5  # expect: QS103 error
              return self.dequant(d)
    `),
    QS1,
  );
});

test("QS103 stays silent for FloatFunctional, for arithmetic after dequant, and for float-only models", async () => {
  await checkMarked(
    eagerScript(py`
      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(4, 4, 3, padding=1)
              self.relu = nn.ReLU()
              self.skip = nn.quantized.FloatFunctional()

          def forward(self, x):
              return self.skip.add(self.relu(self.conv(x)), x)


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.block = Block()
              self.scale = torch.ao.nn.quantized.FloatFunctional()
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = self.block(self.quant(x))
              x = self.scale.mul_scalar(x, 0.5)
              y = self.dequant(x)
              return y + y * 2
    `),
    QS1,
  );
});

test("QS103 inside a submodule's forward and a helper method (interprocedural)", async () => {
  await checkMarked(
    eagerScript(py`
      class Block(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(4, 4, 3, padding=1)

          def forward(self, x):
              out = self.conv(x)
              out += x  # expect: QS103 error
              return out


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.block = Block()
              self.dequant = tq.DeQuantStub()

          def scale(self, x):
              return torch.mul(x, 2.0)  # expect: QS103 error

          def forward(self, x):
              x = self.block(self.quant(x))
              return self.dequant(self.scale(x))
    `),
    QS1,
  );
});

test("QS104: a quantized output into a loss", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)
              self.loss = nn.MSELoss()

          def forward(self, x):
              y = self.fc(self.quant(x))
              return self.loss(y, torch.zeros(2, 4))  # expect: QS104 error
    `),
    QS1,
  );
});

test("QS105 and QS106: torch.cat of quantized with float, and of two quantized tensors", async () => {
  await checkMarked(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.a = nn.Linear(4, 4)
              self.b = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              q = self.quant(x)
              mixed = torch.cat([self.a(q), x], dim=1)  # expect: QS105 error
              both = torch.cat([self.a(q), self.b(q)], dim=1)  # expect: QS106 warning
              same = torch.cat([q, q], dim=1)
              return self.dequant(both)
    `),
    QS1,
  );
});

test("modules with qconfig None keep QuantStub/DeQuantStub as identities: no findings", async () => {
  await checkMarked(
    eagerScript(
      py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              return self.dequant(self.fc(self.quant(x))) + x
    `,
      { qconfig: "None" },
    ),
    QS1,
  );
});

test("QuantWrapper quantizes the input of the wrapped model", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      from torch.ao.quantization import QuantWrapper, get_default_qconfig, prepare, convert


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(x) + 1  # expect: QS103 error


      model = QuantWrapper(M().eval())
      model.qconfig = get_default_qconfig("x86")
      prepare(model, inplace=True)
      model(torch.randn(2, 4))
      convert(model, inplace=True)
      model(torch.randn(2, 4))
    `,
    QS1,
  );
});

test("fused conv+bn+relu converts to a quantized ConvReLU2d; the BatchNorm and ReLU become identities", async () => {
  await checkMarked(
    py`
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
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              x = self.quant(x)
              x = self.relu(self.bn(self.conv(x)))
              return self.dequant(x)


      m = M().eval()
      m = tq.fuse_modules(m, [["conv", "bn", "relu"]])
      m.qconfig = tq.get_default_qconfig("qnnpack")
      torch.backends.quantized.engine = "qnnpack"
      m = tq.prepare(m)
      with torch.no_grad():
          for _ in range(4):
              m(torch.randn(1, 1, 8, 8))
      m = tq.convert(m)
      m(torch.randn(1, 1, 8, 8))
    `,
    ALL_BUT_INFO,
  );
});

test("calibration through a same-file function, Sequential bodies and dynamic quantization", async () => {
  await checkMarked(
    py`
      import torch
      from torch import nn
      from torch.ao.quantization import QuantStub, DeQuantStub, get_default_qconfig, prepare, convert, quantize_dynamic


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = QuantStub()
              self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
              self.head = nn.Sequential(nn.Flatten(), nn.Linear(36, 2))
              self.dequant = DeQuantStub()

          def forward(self, x):
              return self.dequant(self.head(self.features(self.quant(x))))


      def calibrate(model, batches):
          model.eval()
          with torch.no_grad():
              for b in batches:
                  model(b)


      def main():
          model = M().eval()
          model.qconfig = get_default_qconfig("x86")
          prepared = prepare(model)
          calibrate(prepared, [torch.randn(1, 1, 8, 8)])
          quantized = convert(prepared)
          print(quantized(torch.randn(1, 1, 8, 8)))
          dyn = quantize_dynamic(M(), {nn.Linear}, dtype=torch.qint8)
          dyn(torch.randn(1, 1, 8, 8))


      if __name__ == "__main__":
          main()
    `,
    ALL_BUT_INFO,
  );
});

test("module-level code using a quantized model output: losses and arithmetic; dequantize() is fine", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      import torch.nn.functional as F
      import torch.ao.quantization as tq


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):  # expect: QS107 warning
              return self.fc(self.quant(x))


      m = M().eval()
      m.qconfig = tq.get_default_qconfig("x86")
      m = tq.prepare(m)
      m(torch.randn(2, 4))
      m = tq.convert(m)
      criterion = nn.CrossEntropyLoss()
      out = m(torch.randn(2, 4))
      loss = F.mse_loss(out, torch.zeros(2, 4))  # expect: QS104 error
      loss2 = criterion(out, torch.tensor([0, 1]))  # expect: QS104 error
      shifted = out + 1  # expect: QS103 error
      fine = out.dequantize()
      loss3 = criterion(fine, torch.tensor([0, 1]))
      print(out.int_repr(), (fine * 2).sum())
    `,
    QS1,
  );
});

test("wildcard imports resolve; inputs the script quantizes itself are not missing a QuantStub", async () => {
  await checkMarked(
    py`
      import torch
      from torch.nn import *
      from torch.ao.quantization import *


      class M(Module):
          def __init__(self):
              super().__init__()
              self.fc = Linear(4, 4)
              self.dequant = DeQuantStub()

          def forward(self, x):
              return self.dequant(self.fc(x))


      m = M().eval()
      m.qconfig = get_default_qconfig("x86")
      m = prepare(m)
      m(torch.randn(2, 4))
      m = convert(m)
      qx = torch.quantize_per_tensor(torch.randn(2, 4), 0.05, 64, torch.quint8)
      print(m(qx))
    `,
    QS1,
  );
  await checkMarked(
    py`
      import torch
      from torch.nn import *
      from torch.ao.quantization import *


      class M(Module):
          def __init__(self):
              super().__init__()
              self.fc = Linear(4, 4)

          def forward(self, x):
              return self.fc(x)  # expect: QS101 error


      m = M().eval()
      m.qconfig = get_default_qconfig("x86")
      m = prepare(m)
      m(torch.randn(2, 4))
      m = convert(m)
      print(m(torch.randn(2, 4)))
    `,
    QS1,
  );
});

test("qconfigs set in code the analyzer does not follow turn module-boundary errors into warnings", async () => {
  await checkMarked(
    eagerScript(
      py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(x)  # expect: QS101 warning
    `,
      { extra: "for name, mod in m.named_modules():\n    mod.qconfig = None if name == 'fc' else mod.qconfig" },
    ),
    QS1,
  );
});

test("a float model called with the quantized output of a converted one", async () => {
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
      import torch.ao.quantization as tq


      class Backbone(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):  # expect: QS107 warning
              return self.fc(self.quant(x))


      class Head(nn.Module):
          def __init__(self):
              super().__init__()
              self.pool = nn.Identity()
              self.fc = nn.Linear(4, 2)

          def forward(self, x):
              return self.fc(self.pool(x))  # expect: QS102 error


      backbone = Backbone().eval()
      backbone.qconfig = tq.get_default_qconfig("x86")
      backbone = tq.prepare(backbone)
      backbone(torch.randn(2, 4))
      backbone = tq.convert(backbone)
      head = Head().eval()
      features = backbone(torch.randn(2, 4))
      print(head(features))
      print(head(features.dequantize()))
    `,
    ["QS1"],
  );
});
