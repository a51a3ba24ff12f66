// QS5xx: best practices (test process).
import { test } from "node:test";
import { checkMarked, py } from "./helpers";

const MODEL = py`
  import torch
  import torch.nn as nn
  import torch.ao.quantization as tq
  from torch.ao.quantization import QConfig, MinMaxObserver, HistogramObserver, default_weight_observer


  class M(nn.Module):
      def __init__(self):
          super().__init__()
          self.quant = tq.QuantStub()
          self.emb = nn.Embedding(10, 4)
          self.fc = nn.Linear(4, 4)
          self.dequant = tq.DeQuantStub()

      def forward(self, x):
          return self.dequant(self.fc(self.quant(x)))


`;

test("QS501: full 8-bit activation range with the x86 engine; reduce_range or quant_max=127 are fine", async () => {
  await checkMarked(
    MODEL +
      py`
      bad = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8), weight=default_weight_observer)  # expect: QS501 warning
      bare = QConfig(activation=HistogramObserver, weight=default_weight_observer)  # expect: QS501 warning
      good = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8, reduce_range=True), weight=default_weight_observer)
      good2 = QConfig(activation=HistogramObserver.with_args(quant_min=0, quant_max=127), weight=default_weight_observer)
    `,
    ["QS501"],
  );
  await checkMarked(
    MODEL +
      py`
      torch.backends.quantized.engine = "qnnpack"
      fine_on_arm = QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8), weight=default_weight_observer)
    `,
    ["QS501"],
  );
});

test("QS502: the engine and the qconfig's backend disagree", async () => {
  await checkMarked(
    MODEL +
      py`
      torch.backends.quantized.engine = "qnnpack"
      m = M().eval()
      m.qconfig = tq.get_default_qconfig("x86")  # expect: QS502 warning
      n = M().eval()
      n.qconfig = tq.get_default_qconfig("qnnpack")
    `,
    ["QS502"],
  );
});

test("QS503: convert with no calibration; silent after calibration and for dynamic qconfigs", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      m.emb.qconfig = tq.float_qparams_weight_only_qconfig
      m.qconfig = tq.get_default_qconfig("x86")
      p = tq.prepare(m)
      q = tq.convert(p)  # expect: QS503 warning
      p2 = tq.prepare(m)
      p2(torch.randn(2, 4))
      q2 = tq.convert(p2)
      d = M().eval()
      d.qconfig = tq.default_dynamic_qconfig
      q3 = tq.convert(tq.prepare(d))
    `,
    ["QS503"],
  );
});

test("QS504: nn.Embedding with the default static qconfig fails in convert; float_qparams is fine", async () => {
  await checkMarked(
    MODEL +
      py`
      m = M().eval()
      m.qconfig = tq.get_default_qconfig("x86")
      p = tq.prepare(m)
      p(torch.randn(2, 4))
      q = tq.convert(p)  # expect: QS504 error
      ok = M().eval()
      ok.qconfig = tq.get_default_qconfig("x86")
      ok.emb.qconfig = tq.float_qparams_weight_only_qconfig
      p2 = tq.prepare(ok)
      p2(torch.randn(2, 4))
      q2 = tq.convert(p2)
      d = tq.quantize_dynamic(M(), {nn.Linear, nn.Embedding}, dtype=torch.qint8)  # expect: QS504 error
      d2 = tq.quantize_dynamic(M(), {nn.Linear: tq.default_dynamic_qconfig, nn.Embedding: tq.float_qparams_weight_only_qconfig})
      t = M().train()
      t.qconfig = tq.get_default_qat_qconfig("x86")
      pt = tq.prepare_qat(t)  # expect: QS504 error
      t2 = M().train()
      t2.qconfig = tq.get_default_qat_qconfig("x86")
      t2.emb.qconfig = tq.float_qparams_weight_only_qconfig
      pt2 = tq.prepare_qat(t2)
    `,
    ["QS504"],
  );
});

test("QS505 and QS506: deprecated torch.quantization, and one torchao migration note per file", async () => {
  await checkMarked(
    py`
      import torch
      import torch.quantization  # expect: QS505 warning, QS506 information
      from torch.quantization import QuantStub  # expect: QS505 warning
      import torch.ao.quantization as tq

      qc = torch.quantization.get_default_qconfig("x86")  # expect: QS505 warning
    `,
    ["QS505", "QS506"],
  );
  await checkMarked(
    py`
      import torch
      import torch.nn as nn
    `,
    ["QS505", "QS506"],
  );
});
