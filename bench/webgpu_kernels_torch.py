"""PyTorch reference for bench/webgpu-kernels.ts: the same rows (3x3 'same' convs at 32x32x64,
16x16x128 and 8x8x256, batch 256: forward, input gradient, filter gradient; a 4096^2 matmul),
each timed alone with CUDA events: the mean of `--reps` calls after `--warmup` calls.

Gradients are computed directly by torch.nn.grad.conv2d_input / conv2d_weight, which call the
same cuDNN kernels as autograd. `--modes fp32,tf32` (the default) prints strict fp32 rows (TF32
off for cuDNN and matmul, as bench/torch_reference.py runs) and rows with TF32 allowed (PyTorch's
default for convolutions). Every case has a time limit (`--case-limit-s`, SIGALRM). Rows are
printed as they are measured. `--device cpu` (wall time, tiny shapes) only checks the script runs.
Run on the GPU node:  python3 bench/webgpu_kernels_torch.py
"""
import argparse, signal, time
import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight


class CaseTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise CaseTimeout()


def time_ms(fn, warmup, reps, device):
    for _ in range(warmup):
        fn()
    if device != 'cuda':
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        return (time.perf_counter() - t0) * 1000 / reps
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / reps


def conv_cases(batch, size, channels, memory_format, device):
    x = torch.randn(batch, channels, size, size, device=device).contiguous(memory_format=memory_format)
    w = torch.randn(channels, channels, 3, 3, device=device).contiguous(memory_format=memory_format)
    dy = torch.randn(batch, channels, size, size, device=device).contiguous(memory_format=memory_format)
    flops = 2 * batch * size * size * channels * channels * 9
    shape = f'{size}x{size}x{channels}, 3x3 same, batch {batch}'
    return [
        (shape, 'Conv2D', flops, lambda: F.conv2d(x, w, padding=1)),
        (shape, 'Conv2DBackpropInput', flops, lambda: conv2d_input(x.shape, w, dy, padding=1)),
        (shape, 'Conv2DBackpropFilter', flops, lambda: conv2d_weight(x, w.shape, dy, padding=1)),
    ]


def matmul_case(size, device):
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    return (f'{size}x{size} @ {size}x{size}', 'BatchMatMul', 2 * size ** 3, lambda: a @ b)


def set_tf32(on):
    torch.backends.cudnn.allow_tf32 = on
    torch.backends.cuda.matmul.allow_tf32 = on


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--batch', type=int, default=256)
    p.add_argument('--matmul', type=int, default=4096, help='size of the square matmul')
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--reps', type=int, default=20)
    p.add_argument('--modes', default='fp32,tf32', help='comma-separated: fp32 (TF32 off), tf32 (TF32 allowed)')
    p.add_argument('--channels-last', action='store_true', help='NHWC tensors (as tfjs uses) instead of NCHW')
    p.add_argument('--case-limit-s', type=int, default=30)
    p.add_argument('--device', default='cuda', help='cuda, or cpu to check the script without a GPU')
    a = p.parse_args()
    modes = a.modes.split(',')
    for m in modes:
        if m not in ('fp32', 'tf32'):
            p.error(f"--modes: expected fp32 and/or tf32, got '{m}'")
    torch.backends.cudnn.benchmark = True
    memory_format = torch.channels_last if a.channels_last else torch.contiguous_format
    signal.signal(signal.SIGALRM, on_alarm)
    device_name = torch.cuda.get_device_name() if a.device == 'cuda' else a.device
    print(f'pytorch {torch.__version__} on {device_name}, cuDNN {torch.backends.cudnn.version()}, '
          f'{"NHWC" if a.channels_last else "NCHW"}; ms per call, mean of {a.reps} calls\n')
    print('| shape | kernel | variant | GFLOP | ms | TFLOP/s |')
    print('|---|---|---|---:|---:|---:|')
    cases = [c for size, ch in ((32, 64), (16, 128), (8, 256)) for c in conv_cases(a.batch, size, ch, memory_format, a.device)]
    cases.append(matmul_case(a.matmul, a.device))
    for shape, kernel, flops, fn in cases:
        for mode in modes:
            set_tf32(mode == 'tf32')
            signal.alarm(a.case_limit_s)
            try:
                ms = time_ms(fn, a.warmup, a.reps, a.device)
                print(f'| {shape} | {kernel} | torch {mode} | {flops / 1e9:.2f} | {ms:.3f} | {flops / ms / 1e9:.2f} |', flush=True)
            except CaseTimeout:
                print(f'| {shape} | {kernel} | torch {mode} | {flops / 1e9:.2f} | timeout | |', flush=True)
            finally:
                signal.alarm(0)


if __name__ == '__main__':
    main()
