"""Independent re-statement of the 3DCorrEnhance training step (finetune.py
get_feature + training_step, utils/functions.py sigmoid and
interpolate_features, DINOv2 blocks with _LoRA_qkv on the last 4) for the
parity test. Reads the inputs CorrLens wrote, writes loss and gradients.

usage: reference_loss.py INPUT.pt OUTPUT.pt DEPTH HEADS
"""
import sys

import torch
import torch.nn.functional as F


def tempered_sigmoid(x, temp):
    e = torch.clamp(-x / temp, min=-50, max=50)
    return 1.0 / (1.0 + torch.exp(e))


def block(sd, i, x, heads, lora):
    p = f"blocks.{i}."
    c = x.shape[-1]
    h = F.layer_norm(x, (c,), sd[p + "norm1.weight"], sd[p + "norm1.bias"], 1e-6)
    qkv = F.linear(h, sd[p + "attn.qkv.weight"], sd[p + "attn.qkv.bias"])
    if lora is not None:
        aq, bq, av, bv = lora
        qkv = qkv.clone()
        qkv[:, :, :c] += F.linear(F.linear(h, aq), bq)
        qkv[:, :, -c:] += F.linear(F.linear(h, av), bv)
    b, n, _ = qkv.shape
    qkv = qkv.reshape(b, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0] * (c // heads) ** -0.5, qkv[1], qkv[2]
    a = (q @ k.transpose(-2, -1)).softmax(dim=-1)
    y = F.linear((a @ v).transpose(1, 2).reshape(b, n, c), sd[p + "attn.proj.weight"], sd[p + "attn.proj.bias"])
    x = x + y * sd[p + "ls1.gamma"]
    h = F.layer_norm(x, (c,), sd[p + "norm2.weight"], sd[p + "norm2.bias"], 1e-6)
    h = F.linear(F.gelu(F.linear(h, sd[p + "mlp.fc1.weight"], sd[p + "mlp.fc1.bias"])),
                 sd[p + "mlp.fc2.weight"], sd[p + "mlp.fc2.bias"])
    return x + h * sd[p + "ls2.gamma"]


def features(sd, depth, heads, w_a, w_b, conv_w, conv_b, rgb, pts):
    # rgb is already at the model resolution (grid = pos grid): no resize.
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = F.conv2d((rgb - mean) / std, sd["patch_embed.proj.weight"], sd["patch_embed.proj.bias"], stride=14)
    gh, gw = x.shape[-2:]
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat([sd["cls_token"].expand(x.shape[0], -1, -1), x], 1) + sd["pos_embed"]
    for i in range(depth):
        k = i - (depth - 4)
        lora = (w_a[2 * k], w_b[2 * k], w_a[2 * k + 1], w_b[2 * k + 1]) if k >= 0 else None
        x = block(sd, i, x, heads, lora)
    c = x.shape[-1]
    x = F.layer_norm(x, (c,), sd["norm.weight"], sd["norm.bias"], 1e-6)[:, 1:]
    fmap = x.reshape(rgb.shape[0], gh, gw, c).permute(0, 3, 1, 2)
    fmap = F.conv2d(fmap, conv_w, conv_b, padding=1)
    h, w = gh * 14, gw * 14
    last_h = ((h - 14) // 14) * 14 + 7
    last_w = ((w - 14) // 14) * 14 + 7
    a = torch.tensor([[2 / (last_w - 7), 2 / (last_h - 7)]]).float()
    b = torch.tensor([[1 - last_w * 2 / (last_w - 7), 1 - last_h * 2 / (last_h - 7)]]).float()
    grid = (a * pts + b).unsqueeze(-3)
    f = F.grid_sample(fmap, grid, align_corners=True, padding_mode="border").squeeze(-2).permute(0, 2, 1)
    return F.normalize(f, p=2, dim=-1)


def loss_fn(d1, d2, p1, p2):
    dist = torch.cdist(p1, p2)
    sim = torch.bmm(d1, d2.transpose(-1, -2))
    idx = torch.nonzero(dist < 5e-3, as_tuple=False)
    pos_sim = sim[idx[:, 0], idx[:, 1], idx[:, 2]]
    rows = sim[idx[:, 0], idx[:, 1]]
    neg = (dist[idx[:, 0], idx[:, 1]] > 0.1).float()
    rpos = tempered_sigmoid(pos_sim - 1.0, 0.01) + 1
    ap1 = rpos / (rpos + torch.sum(tempered_sigmoid(rows - 1.0, 0.01) * neg, -1))
    rpos = tempered_sigmoid(1.0 - pos_sim, 0.01) + 1
    ap2 = rpos / (rpos + torch.sum(tempered_sigmoid(rows - pos_sim[:, None], 0.01) * neg, -1))
    return torch.mean(1.0 - (ap1 + ap2) / 2), idx.shape[0]


def flatten(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out


def main():
    inp, out, depth, heads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    ck = torch.load(inp, weights_only=True)
    sd = flatten(ck["backbone"])
    n = 2 * min(4, depth)
    w_a = [ck[f"w_a_{i:03d}"].clone().requires_grad_(True) for i in range(n)]
    w_b = [ck[f"w_b_{i:03d}"].clone().requires_grad_(True) for i in range(n)]
    conv_w = ck["state_dict"]["refine_conv"]["weight"].clone().requires_grad_(True)
    conv_b = ck["state_dict"]["refine_conv"]["bias"].clone().requires_grad_(True)
    d1 = features(sd, depth, heads, w_a, w_b, conv_w, conv_b, ck["input"]["rgb1"], ck["input"]["pts2d_1"])
    d2 = features(sd, depth, heads, w_a, w_b, conv_w, conv_b, ck["input"]["rgb2"], ck["input"]["pts2d_2"])
    loss, positives = loss_fn(d1, d2, ck["input"]["pts3d_1"], ck["input"]["pts3d_2"])
    loss.backward()
    result = {"loss": loss.detach().reshape(1), "positives": torch.tensor([positives]),
              "grad_conv_w": conv_w.grad, "grad_conv_b": conv_b.grad}
    for i in range(n):
        result[f"grad_a_{i:03d}"] = w_a[i].grad
        result[f"grad_b_{i:03d}"] = w_b[i].grad
    torch.save(result, out)
    print(f"loss {loss.item():.8f} positives {positives}")


if __name__ == "__main__":
    main()
