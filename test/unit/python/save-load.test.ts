// QS4xx: saving and loading whole quantized models (test process).
import { test } from "node:test";
import { DYNAMIC_LINEAR_SCRIPT, checkMarked, py } from "./helpers";

test("QS401 and QS402: torch.save of the whole model, then torch.load with weights_only left True", async () => {
  await checkMarked(
    DYNAMIC_LINEAR_SCRIPT +
      py`
      torch.save(q, "model.pt")  # expect: QS401 warning
      loaded = torch.load("model.pt")  # expect: QS402 error
      loaded(torch.randn(1, 4))
    `,
    ["QS4"],
  );
});

test("QS402 when the loaded object is used as a module; silent for state_dicts and weights_only=False", async () => {
  await checkMarked(
    DYNAMIC_LINEAR_SCRIPT +
      py`
      torch.save(q.state_dict(), "weights.pt")
      fresh = torch.ao.quantization.quantize_dynamic(M(), {nn.Linear}, dtype=torch.qint8)
      fresh.load_state_dict(torch.load("weights.pt"))
      other = torch.load("other.pt")  # expect: QS402 error
      other.eval()
      trusted = torch.load("other.pt", weights_only=False)
      trusted.eval()
      ckpt = torch.load("ckpt.pt", map_location="cpu")
      for key in ckpt.keys():
          print(key, ckpt.get(key))
      t = torch.load("tensor.pt").to("cpu")
      q2 = torch.ao.quantization.quantize_dynamic(torch.load("float_model.pt"), {nn.Linear})  # expect: QS402 error
      float_model = M()
      torch.save(float_model, "float.pt")
    `,
    ["QS4"],
  );
});
