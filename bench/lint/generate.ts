// Generates the lint benchmark's input: a ~2,000-line PyTorch file with many nn.Module classes, nested
// submodules, helpers and eager/FX quantization flows, the way large model files look (bench process).

/** A deterministic model file of at least `minLines` lines. */
export function generateModelFile(minLines = 2000): string {
  const out: string[] = [
    "import math",
    "import copy",
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "import torch.ao.quantization as tq",
    "from torch.ao.quantization import get_default_qconfig_mapping",
    "from torch.ao.quantization.quantize_fx import prepare_fx, convert_fx",
    "",
    "",
  ];
  let i = 0;
  while (out.length < minLines - 40) {
    out.push(
      `def scale_${i}(x, factor=${i + 1}):`,
      `    b, c, h, w = x.shape`,
      `    return x * (factor / math.sqrt(c))`,
      "",
      "",
      `class Block${i}(nn.Module):`,
      `    def __init__(self, channels=${8 + (i % 8)}):`,
      `        super().__init__()`,
      `        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)`,
      `        self.bn1 = nn.BatchNorm2d(channels)`,
      `        self.relu1 = nn.ReLU()`,
      `        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)`,
      `        self.bn2 = nn.BatchNorm2d(channels)`,
      `        self.skip = nn.quantized.FloatFunctional()`,
      `        self.use_scale = ${i % 2 === 0 ? "True" : "False"}`,
      "",
      `    def forward(self, x):`,
      `        identity = x`,
      `        out = self.relu1(self.bn1(self.conv1(x)))`,
      `        out = self.bn2(self.conv2(out))`,
      `        if self.use_scale:`,
      `            out = F.relu(out)`,
      `        return self.skip.add(out, identity)`,
      "",
      "",
      `class Net${i}(nn.Module):`,
      `    def __init__(self, num_classes=10):`,
      `        super().__init__()`,
      `        self.quant = tq.QuantStub()`,
      `        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())`,
      `        self.block = Block${i}(8)`,
      `        self.pool = nn.AdaptiveAvgPool2d(1)`,
      `        self.fc = nn.Linear(8, num_classes)`,
      `        self.dequant = tq.DeQuantStub()`,
      "",
      `    def forward(self, x):`,
      `        x = self.quant(x)`,
      `        x = self.block(self.stem(x))`,
      `        x = torch.flatten(self.pool(x), 1)`,
      `        x = self.fc(x)`,
      `        return self.dequant(x)`,
      "",
      `    def fuse_model(self):`,
      `        tq.fuse_modules(self.stem, [["0", "1", "2"]], inplace=True)`,
      `        tq.fuse_modules(self.block, [["conv1", "bn1", "relu1"], ["conv2", "bn2"]], inplace=True)`,
      "",
      "",
    );
    i++;
  }
  const n = i;
  out.push("", "def calibrate(model, batches):", "    with torch.no_grad():", "        for b in batches:", "            model(b)", "", "");
  for (let k = 0; k < n; k += 4) {
    out.push(
      `model_${k} = Net${k}().eval()`,
      `model_${k}.fuse_model()`,
      `model_${k}.qconfig = tq.get_default_qconfig("x86")`,
      `prepared_${k} = tq.prepare(model_${k})`,
      `calibrate(prepared_${k}, [torch.randn(1, 3, 16, 16)])`,
      `quantized_${k} = tq.convert(prepared_${k})`,
      `print(quantized_${k}(torch.randn(1, 3, 16, 16)).shape)`,
      `fx_${k} = prepare_fx(copy.deepcopy(Net${k}()).eval(), get_default_qconfig_mapping("x86"), (torch.randn(1, 3, 16, 16),))`,
      "",
    );
  }
  return out.join("\n") + "\n";
}
