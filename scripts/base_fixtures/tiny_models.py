"""The tiny random-init base models and their reference.json, and models/bert-sharded."""

import os
import shutil

import numpy as np
import torch
from transformers import (
    AlbertConfig,
    AlbertModel,
    AutoModel,
    AutoTokenizer,
    BertConfig,
    BertModel,
    CamembertConfig,
    CamembertModel,
    DistilBertConfig,
    DistilBertModel,
    ElectraConfig,
    ElectraModel,
    RobertaConfig,
    RobertaModel,
    XLMRobertaConfig,
    XLMRobertaModel,
)

from .common import INIT_STD, MAX_LEN, SEED, seed_everything, tensor_json, to_lists, write_json
from .texts import BATCH_TEXTS, PAIR_TEXT_A, PAIR_TEXT_B

# ---------------------------------------------------------------------------------------------
# Tiny models
# ---------------------------------------------------------------------------------------------

COMMON = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, initializer_range=INIT_STD)
ROBERTA_SPECIAL_IDS = dict(pad_token_id=1, bos_token_id=0, eos_token_id=2)


def make_config(arch, vocab_size):
    if arch == "bert":
        return BertConfig(
            vocab_size=vocab_size, intermediate_size=37, max_position_embeddings=MAX_LEN,
            type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0, **COMMON,
        )
    if arch == "distilbert":
        return DistilBertConfig(
            vocab_size=vocab_size, dim=32, n_layers=2, n_heads=4, hidden_dim=37,
            max_position_embeddings=MAX_LEN, activation="gelu", initializer_range=INIT_STD,
            pad_token_id=0,
        )
    if arch == "electra":
        # embedding_size != hidden_size, so ElectraModel gets an `embeddings_project` layer.
        return ElectraConfig(
            vocab_size=vocab_size, embedding_size=16, intermediate_size=64, max_position_embeddings=MAX_LEN,
            type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12, pad_token_id=0, **COMMON,
        )
    # RoBERTa-family positions start at padding_idx + 1 = 2, so (like roberta-base's 514 =
    # 512 + 2) two extra position rows are needed to allow MAX_LEN tokens.
    if arch == "roberta":
        return RobertaConfig(
            vocab_size=vocab_size, intermediate_size=64, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "xlm-roberta":
        return XLMRobertaConfig(
            vocab_size=vocab_size, intermediate_size=37, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "camembert":
        return CamembertConfig(
            vocab_size=vocab_size, intermediate_size=64, max_position_embeddings=MAX_LEN + 2,
            type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5, **ROBERTA_SPECIAL_IDS, **COMMON,
        )
    if arch == "albert":
        # Factorised embeddings (16 -> 32) and 3 layers that all share one parameter group.
        return AlbertConfig(
            vocab_size=vocab_size, embedding_size=16, hidden_size=32, num_hidden_layers=3,
            num_hidden_groups=1, inner_group_num=1, num_attention_heads=4, intermediate_size=37,
            max_position_embeddings=MAX_LEN, type_vocab_size=2, hidden_act="gelu_new",
            layer_norm_eps=1e-12, initializer_range=INIT_STD, pad_token_id=0, bos_token_id=2,
            eos_token_id=3,
        )
    raise ValueError(arch)


MODEL_CLASSES = {
    "bert": BertModel,
    "roberta": RobertaModel,
    "distilbert": DistilBertModel,
    "electra": ElectraModel,
    "xlm-roberta": XLMRobertaModel,
    "camembert": CamembertModel,
    "albert": AlbertModel,
}

# Parameters whose gradients are recorded: word embeddings, layer-0 query weight + bias, the
# last layer's final LayerNorm weight, one FFN output projection, the pooler (when present) and
# the embedding projection of factorised-embedding models.
_BERT_LIKE_GRADS = [
    "embeddings.word_embeddings.weight",
    "encoder.layer.0.attention.self.query.weight",
    "encoder.layer.0.attention.self.query.bias",
    "encoder.layer.1.output.LayerNorm.weight",
    "encoder.layer.0.output.dense.weight",
]
_ALBERT_LAYER = "encoder.albert_layer_groups.0.albert_layers.0."
GRAD_PARAMS = {
    "bert": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "roberta": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "xlm-roberta": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "camembert": _BERT_LIKE_GRADS + ["pooler.dense.weight"],
    "electra": _BERT_LIKE_GRADS + ["embeddings_project.weight"],
    "distilbert": [
        "embeddings.word_embeddings.weight",
        "transformer.layer.0.attention.q_lin.weight",
        "transformer.layer.0.attention.q_lin.bias",
        "transformer.layer.1.output_layer_norm.weight",
        "transformer.layer.0.ffn.lin2.weight",
    ],
    # ALBERT's three layers share these parameters, so their gradients sum over all layers.
    "albert": [
        "embeddings.word_embeddings.weight",
        "encoder.embedding_hidden_mapping_in.weight",
        _ALBERT_LAYER + "attention.query.weight",
        _ALBERT_LAYER + "attention.query.bias",
        _ALBERT_LAYER + "full_layer_layer_norm.weight",
        _ALBERT_LAYER + "ffn_output.weight",
        "pooler.weight",
    ],
}

LOSS_DEFINITION = (
    "mean(last_hidden_state**2) + (mean(pooler_output**2) if pooler) on the padded batch, eval mode"
)


def randomize_weights(model, generator):
    """Make every parameter clearly non-trivial.

    Redrawn explicitly (so the result does not depend on the HF initialiser): Linear weights and
    embedding tables (padding rows included) ~ N(0, INIT_STD), every bias ~ N(0, INIT_STD),
    LayerNorm gamma ~ 1 + N(0, 0.3) and LayerNorm beta ~ N(0, INIT_STD).
    """
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * INIT_STD)
            elif isinstance(module, torch.nn.LayerNorm):
                module.weight.copy_(1.0 + 0.3 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * INIT_STD)
            elif isinstance(module, torch.nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * INIT_STD)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * INIT_STD)


def load_model(directory):
    # Eager attention: the plain softmax(QK^T/sqrt(d) + mask)V formulation.
    model = AutoModel.from_pretrained(directory, attn_implementation="eager", dtype=torch.float32)
    # safetensors tensors may be memory-mapped at arbitrary offsets; CPU matmul kernels can pick
    # a different summation order for differently aligned buffers (1-ulp differences between a
    # single file and shards).  Copying every tensor into fresh allocator memory makes the
    # outputs independent of the file layout.
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            tensor.data = tensor.data.clone()
    model.eval()
    return model


def run_model(model, enc):
    """Forward pass with the tensors the tokenizer returned (token_type_ids only when present)."""
    kwargs = {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}
    if "token_type_ids" in enc:
        kwargs["token_type_ids"] = enc["token_type_ids"]
    out = model(**kwargs)
    pooler = getattr(out, "pooler_output", None)
    return out.last_hidden_state, pooler


def encode_record(tok, model, texts, pair=None):
    """Tokenise, run the model (no grad) and return the reference.json sub-object."""
    if pair is None:
        enc = tok(texts, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
    else:
        enc = tok(texts, pair, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")
    with torch.no_grad():
        hidden, pooler = run_model(model, enc)
    return enc, {
        "input_ids": to_lists(enc, "input_ids"),
        "attention_mask": to_lists(enc, "attention_mask"),
        "token_type_ids": to_lists(enc, "token_type_ids"),
        "last_hidden_state": tensor_json(hidden),
        "pooler_output": tensor_json(pooler) if pooler is not None else None,
    }


def gradient_record(arch, model, enc):
    model.zero_grad(set_to_none=True)
    hidden, pooler = run_model(model, enc)
    loss = (hidden**2).mean()
    if pooler is not None:
        loss = loss + (pooler**2).mean()
    loss.backward()
    params = dict(model.named_parameters())
    grads = {name: tensor_json(params[name].grad) for name in GRAD_PARAMS[arch]}
    model.zero_grad(set_to_none=True)
    return {"loss_definition": LOSS_DEFINITION, "loss": float(str(np.float32(loss.item()))), "params": grads}


def build_model_fixture(arch, hf_tok, extra_files, models_dir, arch_index):
    directory = os.path.join(models_dir, arch)
    os.makedirs(directory, exist_ok=True)

    # Tokenizer: save, then always work with the copy reloaded from disk.
    hf_tok.save_pretrained(directory)
    if extra_files is not None:
        extra_files(directory)
    tok = AutoTokenizer.from_pretrained(directory)

    # Model: deterministic random init, saved as safetensors, then reloaded from disk.
    seed_everything(SEED + arch_index)
    config = make_config(arch, vocab_size=len(tok))
    model = MODEL_CLASSES[arch](config)
    randomize_weights(model, torch.Generator().manual_seed(SEED + 100 + arch_index))
    model.save_pretrained(directory, safe_serialization=True)
    model = load_model(directory)

    batch_enc, batch = encode_record(tok, model, BATCH_TEXTS)
    _, pair = encode_record(tok, model, [PAIR_TEXT_A], [PAIR_TEXT_B])
    grads = gradient_record(arch, model, batch_enc)
    reference = {
        "model_type": model.config.model_type,
        "batch": {"texts": BATCH_TEXTS, **batch},
        "pair": {"text_a": PAIR_TEXT_A, "text_b": PAIR_TEXT_B, **pair},
        "grads": grads,
    }
    write_json(os.path.join(directory, "reference.json"), reference)
    return directory


def build_sharded_bert(models_dir):
    """Re-save the bert fixture as >= 2 safetensors shards + model.safetensors.index.json."""
    src = os.path.join(models_dir, "bert")
    dst = os.path.join(models_dir, "bert-sharded")
    os.makedirs(dst, exist_ok=True)
    model = load_model(src)
    model.save_pretrained(dst, safe_serialization=True, max_shard_size="40KB")
    for name in os.listdir(src):
        if name.startswith("tokenizer") or name in ("vocab.txt", "special_tokens_map.json"):
            shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    shards = [n for n in os.listdir(dst) if n.startswith("model-") and n.endswith(".safetensors")]
    assert os.path.isfile(os.path.join(dst, "model.safetensors.index.json")), "no shard index written"
    assert len(shards) >= 2, f"expected >= 2 shards, got {shards}"
