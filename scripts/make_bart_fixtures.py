#!/usr/bin/env python3
"""A tiny random BART and PyTorch's outputs and gradients, for the Rust BART parity tests.

Usage:
    python scripts/make_bart_fixtures.py [--out fixtures]

Writes models/bart/ (transformers 5.23.0, torch 2.15.0; pins in scripts/requirements-fixtures.txt):
config.json and model.safetensors of a `BartForConditionalGeneration` (d_model 32, 4 heads,
feed-forward 48, 2 encoder and 3 decoder layers, 64 positions, exact GELU, embeddings scaled by
sqrt(d_model), vocabulary 500 with BART's <s>=0 <pad>=1 </s>=2), every parameter and the
`final_logits_bias` buffer N(0, 0.2) (seeded); the byte-level BPE tokenizer files of
models/roberta/ (500 tokens, the same special tokens as BART's), copied; and reference.json:

  texts           the input and target texts the batch is made of
  batch           encoder input_ids / attention_mask (the inputs tokenised, right padding),
                  labels (the targets tokenised, -100 on padding), decoder_input_ids (shift_tokens_right from
                  decoder_start_token_id 2, -100 → pad)
  encoder_hidden  the encoder's last hidden state
  logits, loss    for the labels (CrossEntropyLoss, ignore_index -100)
  grads           full gradients of selected parameters (HF names, PyTorch layouts)
  table_grads     model.shared.weight: gradient rows at the ids the batch uses, and |sum|
  generate        `model.generate` on the inputs, greedy and beam search (as for T5), with
                  BART's generation defaults: forced_bos_token_id 0 after the decoder start,
                  forced_eos_token_id 2 at one below the length limit

The model is saved with save_pretrained and reloaded; every value comes from the reloaded
model. CPU, float32, eval mode, eager attention, one thread. Nothing is downloaded.
"""

import argparse
import json
import os
import shutil

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from make_t5_fixtures import generate_cases, table_grad, tensor_json, write_readme_section  # noqa: E402  (scripts/ is on sys.path)
from transformers import AutoTokenizer, BartConfig, BartForConditionalGeneration  # noqa: E402
from transformers.models.bart.modeling_bart import shift_tokens_right  # noqa: E402

README_SECTION = """## models/bart/

Made by `scripts/make_bart_fixtures.py` (its docstring lists every field): a tiny random
`BartForConditionalGeneration` (d_model 32, 4 heads, feed-forward 48, 2 encoder and 3 decoder
layers, 64 positions, exact GELU, `scale_embedding`, vocabulary 1,000), every parameter and the
`final_logits_bias` buffer N(0, 0.2), with models/roberta/'s 500-token byte-level BPE tokenizer.
`reference.json`: texts and their right-padded batch with labels, the encoder's last hidden
state, the logits, the loss and gradients, and `generate` outputs, from the reloaded model.
"""

# Random BART weights make the model repeat one token. With seed 11, two beam candidates were
# 3e-5 apart in log-probability, a near-tie that float32 differences of 1e-7 per logit flip.
# With seed 16, the beams part at their first token, 1e-2 apart.
SEED = 16
INIT_STD = 0.2
CONFIG = dict(
    vocab_size=500,
    d_model=32,
    encoder_layers=2,
    decoder_layers=3,
    encoder_attention_heads=4,
    decoder_attention_heads=4,
    encoder_ffn_dim=48,
    decoder_ffn_dim=48,
    max_position_embeddings=64,
    activation_function="gelu",
    dropout=0.0,
    attention_dropout=0.0,
    activation_dropout=0.0,
    scale_embedding=True,
    bos_token_id=0,
    pad_token_id=1,
    eos_token_id=2,
    decoder_start_token_id=2,
    forced_bos_token_id=0,
    forced_eos_token_id=2,
)
TOKENIZER_FILES = ["vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"]
INPUT_TEXTS = ["The quick brown fox jumps over the lazy dog.", "Hello world"]
TARGET_TEXTS = ["A fox jumped.", "Hi"]
GRAD_PARAMS = [
    "model.encoder.embed_positions.weight",
    "model.encoder.layernorm_embedding.weight",
    "model.encoder.layers.0.self_attn.q_proj.weight",
    # Not k_proj.bias: its gradient is zero in exact arithmetic (a constant per query row, which
    # softmax ignores), so both sides hold rounding noise.
    "model.encoder.layers.0.self_attn.k_proj.weight",
    "model.encoder.layers.0.self_attn.v_proj.bias",
    "model.encoder.layers.1.fc2.weight",
    "model.encoder.layers.1.final_layer_norm.bias",
    "model.decoder.embed_positions.weight",
    "model.decoder.layers.0.self_attn.out_proj.weight",
    "model.decoder.layers.1.encoder_attn.v_proj.weight",
    "model.decoder.layers.2.encoder_attn_layer_norm.weight",
    "model.decoder.layers.2.fc1.bias",
]


def build(out_dir):
    model = BartForConditionalGeneration(BartConfig(**CONFIG))
    generator = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
        model.final_logits_bias.copy_(torch.randn(model.final_logits_bias.shape, generator=generator) * INIT_STD)
    directory = os.path.join(out_dir, "models", "bart")
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(out_dir, "models", "roberta", name), directory)
    reloaded = BartForConditionalGeneration.from_pretrained(directory, attn_implementation="eager").eval()
    assert torch.equal(reloaded.final_logits_bias, model.final_logits_bias), "final_logits_bias not saved"
    return reloaded, directory


def batch(directory):
    """The texts tokenised: inputs right-padded with their mask, targets padded with -100."""
    tokenizer = AutoTokenizer.from_pretrained(directory)
    inputs = tokenizer(INPUT_TEXTS, padding=True, return_tensors="pt")
    labels = tokenizer(TARGET_TEXTS, padding=True, return_tensors="pt")
    targets = labels.input_ids.masked_fill(labels.attention_mask == 0, -100)
    return inputs.input_ids, inputs.attention_mask, targets


def reference(model, input_ids, attention_mask, labels):
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    ids = sorted(set(input_ids.reshape(-1).tolist()) | set(labels.clamp(min=0).reshape(-1).tolist()))
    shared = params["model.shared.weight"].grad
    decoder_input_ids = shift_tokens_right(labels, CONFIG["pad_token_id"], CONFIG["decoder_start_token_id"])
    return {
        "texts": {"input_text": INPUT_TEXTS, "target_text": TARGET_TEXTS},
        "batch": {
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "labels": labels.tolist(),
            "decoder_input_ids": decoder_input_ids.tolist(),
        },
        "encoder_hidden": tensor_json(out.encoder_last_hidden_state),
        "logits": tensor_json(out.logits),
        "loss": float(out.loss.item()),
        "grads": {name: tensor_json(params[name].grad) for name in GRAD_PARAMS},
        "table_grads": {"model.shared.weight": table_grad(shared, ids)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="fixtures")
    args = parser.parse_args()
    torch.set_num_threads(1)
    model, directory = build(args.out)
    input_ids, attention_mask, labels = batch(directory)
    forced = {"forced_bos_token_id": CONFIG["forced_bos_token_id"], "forced_eos_token_id": CONFIG["forced_eos_token_id"]}
    generated = generate_cases(
        model, input_ids, attention_mask, CONFIG["eos_token_id"], CONFIG["pad_token_id"], forced
    )
    with open(os.path.join(directory, "reference.json"), "w") as f:
        json.dump(dict(reference(model, input_ids, attention_mask, labels), generate=generated), f)
        f.write("\n")
    print(f"{directory}: written")
    write_readme_section(args.out, README_SECTION)


if __name__ == "__main__":
    main()
