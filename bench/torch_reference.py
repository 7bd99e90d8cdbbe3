"""PyTorch fp32 reference for bench/train.ts: the same zoo architectures (tinycnn, vgg16 CIFAR
variant with batch norm, small post-LN BERT with an MLM head), timed the same way: median of
`--steps` forward-only and training steps after `--warmup`, each ending in a device sync.
Run on the GPU node:  python3 bench/torch_reference.py --batch 32 --header
(`--device cpu` with a small batch only checks the script runs.)
"""
import argparse, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

def tinycnn():
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(7 * 7 * 32, 10)), (1, 28, 28), 'image', 2119946

def vgg16():
    cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
    layers, c = [], 3
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1, bias=False), nn.BatchNorm2d(v), nn.ReLU()]
            c = v
    layers += [nn.Flatten(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)]
    return nn.Sequential(*layers), (3, 32, 32), 'image', 628131850

class Bottleneck(nn.Module):
    """CIFAR ResNet-50 bottleneck as runtime/models/resnet50.ts builds it (stride on the 3x3 conv)."""
    def __init__(self, cin, planes, stride):
        super().__init__()
        cout = planes * 4
        self.body = nn.Sequential(
            nn.Conv2d(cin, planes, 1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
            nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(planes), nn.ReLU(),
            nn.Conv2d(planes, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))
                         if stride != 1 or cin != cout else nn.Identity())
    def forward(self, x):
        return F.relu(self.body(x) + self.shortcut(x))

def resnet50():
    layers, c = [nn.Conv2d(3, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU()], 64
    for blocks, planes, stride in ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)):
        for i in range(blocks):
            layers.append(Bottleneck(c, planes, stride if i == 0 else 1)); c = planes * 4
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10)]
    return nn.Sequential(*layers), (3, 32, 32), 'image', 2603868170

class Bert(nn.Module):
    def __init__(self, vocab=1000, seq=64, hidden=128, layers=4, heads=4, ffn=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, hidden); self.pos = nn.Embedding(seq, hidden); self.ln = nn.LayerNorm(hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.0, activation='gelu', batch_first=True, norm_first=False)
        self.enc = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.LayerNorm(hidden), nn.Linear(hidden, vocab))
    def forward(self, x):
        pos = torch.arange(x.shape[1], device=x.device)
        return self.head(self.enc(self.ln(self.tok(x) + self.pos(pos))))

def bert():
    return Bert(), (64,), 'tokens', 128326144

MODELS = {'tinycnn': tinycnn, 'vgg16': vgg16, 'resnet50': resnet50, 'bert': bert}

def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()

def bench(name, batch, warmup, steps, dev):
    model, shape, kind, flops = MODELS[name]()
    model = model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    if kind == 'image':
        x = torch.rand(batch, *shape, device=dev); y = torch.randint(0, 10, (batch,), device=dev)
        loss_fn = lambda out: F.cross_entropy(out, y)
    else:
        x = torch.randint(2, 1000, (batch, *shape), device=dev); y = torch.randint(0, 1000, (batch, *shape), device=dev)
        loss_fn = lambda out: F.cross_entropy(out.reshape(-1, 1000), y.reshape(-1))
    fwd, train = [], []
    for k in range(warmup + steps):
        sync(); t0 = time.perf_counter()
        with torch.no_grad():
            model(x)
        sync(); t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x)).backward(); opt.step()
        sync(); t2 = time.perf_counter()
        if k >= warmup:
            fwd.append(t1 - t0); train.append(t2 - t1)
    f, t = statistics.median(fwd), statistics.median(train)
    device_name = torch.cuda.get_device_name() if dev == 'cuda' else dev
    print(f"| pytorch {torch.__version__} | {device_name} | {name} | {batch} | {batch / f:.1f} | {flops * batch / f / 1e9:.2f} | {batch / t:.1f} | {t / f:.2f} |", flush=True)

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--models', default='tinycnn,vgg16,bert'); p.add_argument('--batch', type=int, default=32)
    p.add_argument('--warmup', type=int, default=3); p.add_argument('--steps', type=int, default=10)
    p.add_argument('--header', action='store_true')
    p.add_argument('--device', default='cuda', help='cuda, or cpu to check the script without a GPU')
    a = p.parse_args()
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = False; torch.backends.cudnn.allow_tf32 = False
    if a.header:
        print('| backend | device | model | batch | forward samples/s | forward GFLOP/s | train samples/s | train/forward per sample |')
        print('|---|---|---|---:|---:|---:|---:|---:|')
    for m in a.models.split(','):
        bench(m, a.batch, a.warmup, a.steps, a.device)
