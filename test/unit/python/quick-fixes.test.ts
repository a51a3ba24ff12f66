// Every quick fix: apply it, lint again, and the finding is gone with no new error (test process).
import { test } from "node:test";
import * as assert from "node:assert/strict";
import { DYNAMIC_LINEAR_SCRIPT, checkFix, eagerScript, py } from "./helpers";

test("QS101 fix adds a QuantStub in __init__ and quantizes the input", async () => {
  const fixed = await checkFix(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.fc = nn.Linear(4, 4)
              self.dequant = tq.DeQuantStub()

          def forward(self, x):
              return self.dequant(self.fc(x))
    `),
    "QS101",
  );
  assert.match(fixed, /self\.quant = tq\.QuantStub\(\)/);
  assert.match(fixed, /self\.fc\(self\.quant\(x\)\)/);
});

test("QS102 fix reuses the DeQuantStub", async () => {
  const fixed = await checkFix(
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
              x = self.head(x)
              return self.dequant(x)
    `,
      { extra: "m.head.qconfig = None" },
    ),
    "QS102",
  );
  assert.match(fixed, /x = self\.head\(self\.dequant\(x\)\)/);
});

for (const [name, expr, expected] of [
  ["torch.add", "torch.add(a, b)", /self\.ff_add\.add\(a, b\)/],
  ["+", "a + b", /self\.ff_add\.add\(a, b\)/],
  ["* scalar", "0.5 * a", /self\.ff_mul\.mul_scalar\(a, 0\.5\)/],
] as const) {
  test(`QS103 fix replaces ${name} with a FloatFunctional`, async () => {
    const fixed = await checkFix(
      eagerScript(py`
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.quant = tq.QuantStub()
                self.fc = nn.Linear(4, 4)
                self.dequant = tq.DeQuantStub()

            def forward(self, x):
                a = self.fc(self.quant(x))
                b = self.fc(a)
                y = ${expr}
                return self.dequant(y)
      `),
      "QS103",
    );
    assert.match(fixed, expected);
    assert.match(fixed, /= torch\.ao\.nn\.quantized\.FloatFunctional\(\)|= nn\.quantized\.FloatFunctional\(\)|FloatFunctional\(\)/);
  });
}

test("QS106 fix uses FloatFunctional.cat", async () => {
  await checkFix(
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
              return self.dequant(torch.cat([self.a(q), self.b(q)], dim=1))
    `),
    "QS106",
  );
});

const FUSE_MODEL = py`
  import torch
  import torch.nn as nn
  import torch.ao.quantization as tq


  class M(nn.Module):
      def __init__(self):
          super().__init__()
          self.conv = nn.Conv2d(1, 4, 3)
          self.bn = nn.BatchNorm2d(4)
          self.relu = nn.ReLU()

      def forward(self, x):
          return self.relu(self.bn(self.conv(x)))


`;

test("QS201 fix corrects the misspelled name", async () => {
  const fixed = await checkFix(FUSE_MODEL + `m = tq.fuse_modules(M().eval(), [["conv", "bn", "rleu"]])\n`, "QS201");
  assert.match(fixed, /\["conv", "bn", "relu"\]/);
});

test("QS202 fix reorders to the supported order", async () => {
  const fixed = await checkFix(FUSE_MODEL + `m = tq.fuse_modules(M().eval(), [["relu", "conv", "bn"]])\n`, "QS202");
  assert.match(fixed, /\["conv", "bn", "relu"\]/);
});

test("QS203 fix fuses in eval mode", async () => {
  const fixed = await checkFix(FUSE_MODEL + `model = M()\nm = tq.fuse_modules(model, [["conv", "bn"]])\n`, "QS203");
  assert.match(fixed, /fuse_modules\(model\.eval\(\)/);
});

test("QS204 fix puts the model in training mode", async () => {
  await checkFix(FUSE_MODEL + `m = M().eval()\nm.qconfig = tq.get_default_qat_qconfig("x86")\np = tq.prepare_qat(m)\n`, "QS204");
});

test("QS205 fix assigns the prepared model", async () => {
  const fixed = await checkFix(FUSE_MODEL + `m = M().eval()\nm.qconfig = tq.get_default_qconfig("x86")\ntq.prepare(m)\nm(torch.randn(1, 1, 4, 4))\n`, "QS205");
  assert.match(fixed, /\nm = tq\.prepare\(m\)\n/);
});

test("QS304 fixes: drop int(), use .size(0) for len()", async () => {
  const src = py`
    import torch
    import torch.nn as nn
    from torch.fx import symbolic_trace


    class M(nn.Module):
        def forward(self, x):
            half = int(x.shape[1]) // 2
            n = len(x)
            return x[:, :half] * n


    symbolic_trace(M())
  `;
  const once = await checkFix(src, "QS304");
  const twice = await checkFix(once, "QS304");
  assert.match(twice, /half = x\.shape\[1\] \/\/ 2/);
  assert.match(twice, /n = x\.size\(0\)/);
});

test("QS401 fix saves the state_dict", async () => {
  const fixed = await checkFix(DYNAMIC_LINEAR_SCRIPT + `torch.save(q, "q.pt")\n`, "QS401");
  assert.match(fixed, /torch\.save\(q\.state_dict\(\), "q\.pt"\)/);
});

test("QS402 fix passes weights_only=False", async () => {
  const fixed = await checkFix(DYNAMIC_LINEAR_SCRIPT + `m = torch.load("q.pt", map_location="cpu")\nm.eval()\n`, "QS402");
  assert.match(fixed, /torch\.load\("q\.pt", map_location="cpu", weights_only=False\)/);
});

test("QS501 fix adds reduce_range=True", async () => {
  const fixed = await checkFix(
    py`
      import torch
      from torch.ao.quantization import QConfig, MinMaxObserver, default_weight_observer

      qc = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8), weight=default_weight_observer)
    `,
    "QS501",
  );
  assert.match(fixed, /with_args\(dtype=torch\.quint8, reduce_range=True\)/);
});

test("QS502 fix makes the qconfig match the engine", async () => {
  await checkFix(FUSE_MODEL + `torch.backends.quantized.engine = "qnnpack"\nm = M().eval()\nm.qconfig = tq.get_default_qconfig("x86")\n`, "QS502");
});

test("QS504 fix gives the embedding float_qparams_weight_only_qconfig before prepare", async () => {
  const fixed = await checkFix(
    py`
      import torch
      import torch.nn as nn
      import torch.ao.quantization as tq


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.emb = nn.Embedding(10, 4)

          def forward(self, x):
              return self.emb(x)


      m = M().eval()
      m.qconfig = tq.get_default_qconfig("x86")
      p = tq.prepare(m)
      p(torch.tensor([[1, 2]]))
      q = tq.convert(p)
    `,
    "QS504",
  );
  assert.match(fixed, /m\.emb\.qconfig = tq\.float_qparams_weight_only_qconfig\np = tq\.prepare\(m\)/);
});

test("QS505 fix imports torch.ao.quantization", async () => {
  const fixed = await checkFix(`import torch.quantization as tq\n`, "QS505");
  assert.equal(fixed, `import torch.ao.quantization as tq\n`);
});

test("QS107 fix dequantizes forward's return value", async () => {
  const fixed = await checkFix(
    eagerScript(py`
      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.quant = tq.QuantStub()
              self.fc = nn.Linear(4, 4)

          def forward(self, x):
              return self.fc(self.quant(x))
    `),
    "QS107",
  );
  assert.match(fixed, /self\.dequant = tq\.DeQuantStub\(\)/);
  assert.match(fixed, /return self\.dequant\(self\.fc\(self\.quant\(x\)\)\)/);
});

test("QS210 fix corrects a misspelled engine or backend", async () => {
  const fixed = await checkFix(`import torch\ntorch.backends.quantized.engine = "fbgem"\n`, "QS210");
  assert.match(fixed, /engine = "fbgemm"/);
  const fixed2 = await checkFix(`from torch.ao.quantization import get_default_qconfig\nqc = get_default_qconfig('X86')\n`, "QS210");
  assert.match(fixed2, /get_default_qconfig\('x86'\)/);
});

test("QS305 fix prepares the model in eval mode", async () => {
  const fixed = await checkFix(
    py`
      import torch
      import torch.nn as nn
      from torch.ao.quantization import get_default_qconfig_mapping
      from torch.ao.quantization.quantize_fx import prepare_fx


      class M(nn.Module):
          def __init__(self):
              super().__init__()
              self.conv = nn.Conv2d(3, 8, 3)
              self.bn = nn.BatchNorm2d(8)

          def forward(self, x):
              return self.bn(self.conv(x))


      model = M()
      p = prepare_fx(model, get_default_qconfig_mapping("x86"), (torch.randn(1, 3, 8, 8),))
    `,
    "QS305",
  );
  assert.match(fixed, /prepare_fx\(model\.eval\(\), /);
});
