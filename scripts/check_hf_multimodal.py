#!/usr/bin/env python3
"""What Python can load from a directory saved by st-multimodal, checked: the whole model into
the plain-torch MMBTForClassification of make_multimodal_fixtures.py (transformers' MMBT
structure: BertModel + torchvision ResNet layers), the text encoder into transformers'
BertModel, the image encoder into torchvision's ResNet; and the predictions `st multimodal
predict` printed for a JSONL file, recomputed in torch.

Usage:
    python scripts/check_hf_multimodal.py MODEL_DIR PREDICTIONS.jsonl

MODEL_DIR is a `save_model` / `st multimodal train` output directory; PREDICTIONS.jsonl is what
`st multimodal predict --model MODEL_DIR ...` printed (one {"text", "image", "outputs"} per
line). The images go through torchvision's transform at the model's image_size / crop_size
(model_args.json); Pillow and the `image` crate resample within one 8-bit level of each
other, so the outputs agree to about 1e-3, not exactly. Prints one line per check; exits 1 on a
failure.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from make_multimodal_fixtures import ImageEncoder, MMBTForClassification, narrow_resnet, pipeline  # noqa: E402
from PIL import Image  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from torchvision.models.resnet import BasicBlock, Bottleneck  # noqa: E402
from transformers import BertConfig, BertModel, BertTokenizerFast  # noqa: E402

SHARED = ("mmbt.modal_encoder.position_embeddings.", "mmbt.modal_encoder.token_type_embeddings.",
          "mmbt.modal_encoder.word_embeddings.", "mmbt.modal_encoder.LayerNorm.")
SEQUENTIAL = {"0": "conv1", "1": "bn1", "4": "layer1", "5": "layer2", "6": "layer3", "7": "layer4"}


def main():
    model_dir, predictions = sys.argv[1], sys.argv[2]
    config = json.load(open(os.path.join(model_dir, "config.json")))
    args = json.load(open(os.path.join(model_dir, "model_args.json")))
    state = load_file(os.path.join(model_dir, "model.safetensors"))
    failures = 0

    image = config["image_encoder"]
    block = BasicBlock if image["block"] == "basic" else Bottleneck
    resnet = narrow_resnet(block, image["layers"], image["widths"], image["stem_width"], num_classes=1)
    bert_config = BertConfig(**{k: v for k, v in config.items() if k not in ("architectures", "image_encoder")})
    transformer = BertModel(bert_config)
    labels = len(config["id2label"])
    model = MMBTForClassification(bert_config, transformer, ImageEncoder(resnet, config["num_image_embeds"]),
                                  config["modal_hidden_size"], labels)
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith(SHARED) and not k.endswith("num_batches_tracked")]
    ok = not missing and not result.unexpected_keys
    failures += not ok
    print(f"MMBTForClassification.load_state_dict: {'ok' if ok else 'FAILED'} ({len(state)} tensors; "
          f"missing {missing}, unexpected {result.unexpected_keys})")

    text = {k[len("mmbt.transformer."):]: v for k, v in state.items() if k.startswith("mmbt.transformer.")}
    result = BertModel(bert_config).load_state_dict(text, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("position_ids")]
    ok = not missing and not result.unexpected_keys
    failures += not ok
    print(f"BertModel (the mmbt.transformer. tensors): {'ok' if ok else 'FAILED'}")

    prefix = "mmbt.modal_encoder.encoder.model."
    vision = {}
    for key, value in state.items():
        if key.startswith(prefix):
            index, rest = key[len(prefix):].split(".", 1)
            vision[f"{SEQUENTIAL[index]}.{rest}"] = value
    result = resnet.load_state_dict(vision, strict=False)
    missing = [k for k in result.missing_keys if not k.startswith("fc.") and not k.endswith("num_batches_tracked")]
    ok = not missing and not result.unexpected_keys
    failures += not ok
    print(f"torchvision ResNet (the image encoder, renamed from the Sequential layout): {'ok' if ok else 'FAILED'}")

    model.eval()
    tokenizer = BertTokenizerFast.from_pretrained(model_dir)
    transform = pipeline(args.get("image_size", 256), args.get("crop_size", 224))
    limit = args.get("max_seq_length", 128) - config["num_image_embeds"] - 2
    worst = 0.0
    for line in open(predictions):
        row = json.loads(line)
        ids = tokenizer(row["text"])["input_ids"]
        # An empty text is one padding token, masked (a batch is never zero tokens wide).
        inner = ids[1:-1][:limit]
        mask = [1] * len(inner) if inner else [0]
        inner = inner or [0]
        pixels = transform(Image.open(row["image"]).convert("RGB")).unsqueeze(0)
        with torch.no_grad():
            logits = model(input_modal=pixels, input_ids=torch.tensor([inner]),
                           modal_start_tokens=torch.tensor([ids[0]]), modal_end_tokens=torch.tensor([ids[-1]]),
                           attention_mask=torch.tensor([mask]))
        outputs = torch.sigmoid(logits)[0] if config.get("problem_type") != "regression" else logits[0]
        worst = max(worst, float((outputs - torch.tensor(row["outputs"])).abs().max()))
    ok = worst <= 5e-3
    failures += not ok
    print(f"predictions recomputed in torch: max |difference| {worst:.2e} {'ok' if ok else 'FAILED'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
