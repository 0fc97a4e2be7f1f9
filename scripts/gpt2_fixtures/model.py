"""The tiny random GPT2LMHeadModel, the GPT-2 tokenizer, the left-padded batch and
reference.json."""

import os

import torch
from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

from .common import EOS_ID, INIT_STD, PAD_ID, PROMPTS, f32, tensor_json

CONFIG = dict(
    vocab_size=50257,
    n_positions=64,
    n_embd=16,
    n_layer=2,
    n_head=4,
    n_inner=None,
    activation_function="gelu_new",
    resid_pdrop=0.0,
    embd_pdrop=0.0,
    attn_pdrop=0.0,
    layer_norm_epsilon=1e-5,
    bos_token_id=EOS_ID,
    eos_token_id=EOS_ID,
    tie_word_embeddings=True,
)

# Parameters whose full gradient is recorded in reference.json (HF names; Conv1D weights are
# [in, out]).
GRAD_PARAMS = [
    "transformer.h.0.attn.c_attn.weight",
    "transformer.h.0.attn.c_attn.bias",
    "transformer.h.1.mlp.c_proj.weight",
    "transformer.h.1.ln_2.weight",
    "transformer.ln_f.bias",
]
WPE_GRAD_ROWS = 16

# ---------------------------------------------------------------------------------------------
# Model, tokenizer, batch
# ---------------------------------------------------------------------------------------------


def build_model(seed):
    """Fresh GPT2LMHeadModel with every parameter drawn from N(0, INIT_STD) (seeded)."""
    config = GPT2Config(**CONFIG)
    model = GPT2LMHeadModel(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        # named_parameters() lists the tied wte / lm_head weight once (as transformer.wte.weight).
        for _, param in model.named_parameters():
            param.copy_(torch.randn(param.shape, generator=generator) * INIT_STD)
    assert model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr(), "lm_head not tied"
    return model.eval()


def load_model(directory):
    model = GPT2LMHeadModel.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    return model.eval()


def build_tokenizer(gpt2_dir):
    tok = GPT2TokenizerFast(vocab=os.path.join(gpt2_dir, "vocab.json"), merges=os.path.join(gpt2_dir, "merges.txt"))
    tok.pad_token = tok.eos_token
    tok.padding_side = "left"
    return tok


def encode(tok, prompts):
    """Left-padded batch plus the position ids `generate` derives from the attention mask."""
    enc = tok(prompts, padding=True, return_tensors="pt")
    input_ids, attention_mask = enc["input_ids"], enc["attention_mask"]
    # transformers 5.23 GenerationMixin._prepare_position_ids_for_generation: padded slots get 0.
    position_ids = (attention_mask.long().cumsum(-1) - 1).masked_fill(attention_mask == 0, 0)
    return input_ids, attention_mask, position_ids


# ---------------------------------------------------------------------------------------------
# reference.json
# ---------------------------------------------------------------------------------------------


def loss_and_grads(model, input_ids, attention_mask, position_ids, labels):
    """HF's causal-LM loss for `labels` and the recorded gradients of it."""
    model.zero_grad(set_to_none=True)
    out = model(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids, labels=labels)
    out.loss.backward()
    params = dict(model.named_parameters())
    grads = {name: tensor_json(params[name].grad) for name in GRAD_PARAMS}
    grads[f"transformer.wpe.weight[:{WPE_GRAD_ROWS}]"] = tensor_json(
        params["transformer.wpe.weight"].grad[:WPE_GRAD_ROWS]
    )
    wte_grad = params["transformer.wte.weight"].grad
    ids = sorted(set(input_ids.reshape(-1).tolist()))
    result = {
        "loss": f32(out.loss.item()),
        "grads": grads,
        "wte_grad_rows": {"ids": ids, "rows": tensor_json(wte_grad[ids])},
        "wte_grad_abs_sum": f32(wte_grad.abs().sum().item()),
    }
    model.zero_grad(set_to_none=True)
    return out.logits.detach(), result


def make_reference(model, input_ids, attention_mask, position_ids):
    labels = input_ids.masked_fill(attention_mask == 0, -100)
    logits, main = loss_and_grads(model, input_ids, attention_mask, position_ids, labels)
    # The shifted loss above also scores the prediction of each row's first real token from the
    # padded position before it.  Variant without those targets: only real positions' logits.
    previous_is_pad = torch.cat([torch.ones_like(attention_mask[:, :1]), attention_mask[:, :-1]], dim=1) == 0
    real_labels = labels.masked_fill(previous_is_pad, -100)
    _, real_only = loss_and_grads(model, input_ids, attention_mask, position_ids, real_labels)
    return {
        "prompts": PROMPTS,
        "batch": {
            "padding_side": "left",
            "pad_token_id": PAD_ID,
            "input_ids": input_ids.tolist(),
            "attention_mask": attention_mask.tolist(),
            "position_ids": position_ids.tolist(),
            "labels": labels.tolist(),
        },
        "logits_slice": tensor_json(logits[:, :, :512]),
        "logits_row_sums": tensor_json(logits.sum(-1)),
        "logits_row_sq_sums": tensor_json((logits**2).sum(-1)),
        "last_logits": tensor_json(logits[:, -1, :]),
        **main,
        "real_targets_only": {"labels": real_labels.tolist(), **real_only},
    }
