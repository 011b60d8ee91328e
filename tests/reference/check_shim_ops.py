"""The shim's own TorchScript operators against PyTorch in float64.

Usage: check_shim_ops.py LIBVEC2FACE_SO

Loads the library into this interpreter's torch (loading it registers the
operators that graph_passes.cpp puts into the frozen generator graphs).

v2f::group_norm_swish(x, groups, weight, bias, eps) against
swish(group_norm(x.float(), ...)).to(x.dtype), the reference GroupNorm32 +
_swish:
- float32, both layouts (NCHW and channels-last), channel counts that are
  and are not multiples of the 16-lane vectors, planes with and without a
  tail: max abs error <= 2e-5 (float32 rounding of a few operations);
- bfloat16: within one rounding of the float64 result (relative 2^-8);
- the layout is kept (channels-last in, channels-last out);
- values do not depend on the thread count, nor on whether an element fell
  into the vector body or the scalar tail (a channel copied into the tail
  gives bit-identical outputs);
- bad input is refused with a message.

v2f::matmul(a, b): at::matmul with float32 batched products of equal batch
shapes computed by the library's own kernel. Checked: attention's shapes
(4-D, transposed and contiguous operands, column counts that are and are
not multiples of 16) within the float32 dot-product error bound of the
float64 product, element by element; bits independent of the thread count; the cases it hands to at::matmul
(bfloat16, broadcasting, 2-D, mismatched sizes) give at::matmul's result
or its error.
"""

import sys

import torch
import torch.nn.functional as F

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def reference64(x, groups, w, b, eps):
    y = F.group_norm(x.double(), groups, w.double(), b.double(), eps)
    return y * torch.sigmoid(y)


def fused(x, groups, w, b, eps=1e-6):
    return torch.ops.v2f.group_norm_swish(x, groups, w, b, eps)


def check_group_norm_swish():
    gen = torch.Generator().manual_seed(7)
    cases = [((2, 64, 7, 7), 32), ((3, 128, 28, 28), 32), ((1, 32, 112, 112), 32),
             ((2, 96, 5, 3), 32), ((2, 40, 9, 9), 8), ((1, 512, 14, 14), 32),
             ((2, 17, 16, 17), 17)]
    for dtype in (torch.float32, torch.bfloat16):
        for shape, groups in cases:
            for channels_last in (False, True):
                x = torch.randn(shape, generator=gen) * 3 + 1.5
                x = x.to(dtype)
                fmt = torch.channels_last if channels_last else torch.contiguous_format
                x = x.contiguous(memory_format=fmt)
                w = torch.randn(shape[1], generator=gen)
                b = torch.randn(shape[1], generator=gen)
                out = fused(x, groups, w, b)
                ref = reference64(x, groups, w, b, 1e-6)
                name = "%s %s groups %d %s" % (str(dtype)[6:], list(shape), groups,
                                             "channels-last" if channels_last else "NCHW")
                check(out.dtype == dtype and out.shape == x.shape, name + ": dtype and shape")
                check(out.is_contiguous(memory_format=fmt), name + ": layout kept")
                if dtype == torch.float32:
                    err = (out.double() - ref).abs().max().item()
                    check(err <= 2e-5, name + ": max abs error %.2e <= 2e-5" % err)
                else:
                    rel = ((out.double() - ref).abs() / ref.abs().clamp(min=1e-3)).max().item()
                    check(rel <= 2.0 ** -8 * 1.01,
                          name + ": max rel error %.2e <= one bfloat16 rounding" % rel)

    # Thread count: partial sums are per fixed chunk, combined in order.
    x = torch.randn(4, 128, 56, 56, generator=gen).to(torch.bfloat16)
    x = x.contiguous(memory_format=torch.channels_last)
    w, b = torch.randn(128, generator=gen), torch.randn(128, generator=gen)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    one = fused(x, 32, w, b)
    torch.set_num_threads(max(2, threads))
    many = fused(x, 32, w, b)
    torch.set_num_threads(threads)
    check(torch.equal(one, many), "same bits with 1 and %d threads" % max(2, threads))

    # Vector body vs scalar tail: channel 16 (a tail channel of 17, one per
    # group) holds channel 0's values, with channel 0's weight and bias.
    for dtype in (torch.float32, torch.bfloat16):
        x = torch.randn(2, 17, 9, 11, generator=gen).to(dtype)
        x[:, 16] = x[:, 0]
        w, b = torch.randn(17, generator=gen), torch.randn(17, generator=gen)
        w[16], b[16] = w[0], b[0]
        cl = fused(x.contiguous(memory_format=torch.channels_last), 17, w, b)
        check(torch.equal(cl[:, 16], cl[:, 0]),
              "%s channels-last: tail channel == vector channel, bit for bit" % dtype)
        # NCHW planes: 9*11 = 99 values, the last 3 after the 16-lane body.
        plane = torch.randn(1, 1, 1, 99, generator=gen).to(dtype)
        plane[..., 96:] = plane[..., 0:3]
        y = fused(plane, 1, torch.ones(1), torch.zeros(1))
        check(torch.equal(y[..., 96:], y[..., 0:3]),
              "%s NCHW: tail elements == body elements, bit for bit" % dtype)

    for what, call in (
            ("3-D input", lambda: fused(torch.zeros(2, 4, 4), 2, torch.ones(4), torch.zeros(4))),
            ("groups not dividing channels",
             lambda: fused(torch.zeros(1, 6, 2, 2), 4, torch.ones(6), torch.zeros(6))),
            ("weight of the wrong size",
             lambda: fused(torch.zeros(1, 6, 2, 2), 3, torch.ones(5), torch.zeros(6))),
            ("float64 input",
             lambda: fused(torch.zeros(1, 6, 2, 2, dtype=torch.float64), 3, torch.ones(6),
                           torch.zeros(6)))):
        try:
            call()
            check(False, "refused: " + what)
        except RuntimeError as e:
            check("v2f::group_norm_swish" in str(e), "refused with a message: " + what)


def check_matmul():
    mm = torch.ops.v2f.matmul
    gen = torch.Generator().manual_seed(3)
    for b, h, m, k, n, transposed in ((8, 16, 50, 64, 50, True), (8, 16, 45, 64, 45, True),
                                      (8, 16, 50, 50, 64, False), (2, 3, 17, 5, 33, False),
                                      (1, 1, 1, 1, 1, False), (3, 2, 7, 9, 16, True)):
        a = torch.randn(b, h, m, k, generator=gen)
        bt = torch.randn(b, h, n, k, generator=gen).transpose(-2, -1) if transposed \
            else torch.randn(b, h, k, n, generator=gen)
        out = mm(a, bt)
        ref = a.double() @ bt.double()
        # The classic bound of a float32 dot product of length k, element
        # by element: k * 2^-24 * sum |a||b| (plus the final rounding).
        bound = (k + 1) * 2.0 ** -24 * (a.abs().double() @ bt.abs().double())
        err = ((out.double() - ref).abs() - bound).max().item()
        name = "[%d,%d,%d,%d] @ [%d,%d,%d,%d]%s" % (b, h, m, k, b, h, k, n,
                                                   " (transposed view)" if transposed else "")
        check(out.dtype == torch.float32 and out.shape == ref.shape, name + ": dtype and shape")
        check(err <= 0, name + ": every element within (k+1) 2^-24 sum|a||b| of float64")

    a = torch.randn(16, 8, 50, 64, generator=gen)
    bt = torch.randn(16, 8, 64, 50, generator=gen)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    one = mm(a, bt)
    torch.set_num_threads(max(2, threads))
    many = mm(a, bt)
    torch.set_num_threads(threads)
    check(torch.equal(one, many), "same bits with 1 and %d threads" % max(2, threads))

    for what, x, y in (
            ("bfloat16", torch.randn(2, 3, 4, 5).bfloat16(), torch.randn(2, 3, 5, 6).bfloat16()),
            ("broadcast batch", torch.randn(2, 3, 4, 5), torch.randn(1, 3, 5, 6)),
            ("2-D", torch.randn(4, 5), torch.randn(5, 6)),
            ("3-D @ 2-D", torch.randn(2, 4, 5), torch.randn(5, 6))):
        check(torch.equal(mm(x, y), torch.matmul(x, y)), what + ": at::matmul's result")
    try:
        mm(torch.randn(2, 4, 5), torch.randn(2, 6, 3))
        check(False, "mismatched inner sizes refused")
    except RuntimeError:
        check(True, "mismatched inner sizes refused (at::matmul's error)")


def main():
    torch.ops.load_library(sys.argv[1])
    check_group_norm_swish()
    check_matmul()
    if failures:
        print("%d check(s) failed" % len(failures))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
