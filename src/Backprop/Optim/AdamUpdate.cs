using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Backprop.Kernels;

namespace Backprop.Optim;

/// <summary>
/// The Adam moment update and step for one parameter, in one vectorised pass, in PyTorch's order of operations
/// (so float results match it, not just the formula): m ← lerp(m, g, 1 − β₁); v ← β₂·v + (1 − β₂)·g²;
/// p ← p + (−lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε). An L2 term λ·p is added to g first when given, and AdamW's
/// decoupled decay p ← p·(1 − lr·λ) is applied first in the same pass (the factor as PyTorch's separate p.mul_ rounds it).
/// Large tensors are cut into fixed chunks spread over cores; every element is computed on its own, with no fused
/// multiply-add, so a chunk boundary or a vector tail cannot change a result.
/// </summary>
internal static unsafe class AdamUpdate
{
    /// <summary>Elements per work item; tensors up to this size run inline on the caller.</summary>
    internal const int Chunk = 16 * 1024;

    public static void Apply(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
        double eps, double l2, long step, double decayFactor = 1)
    {
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        double stepSize = lr / bc1;
        var update = new StepAction
        {
            P = parameter, G = gradient, M = expAvg, V = expAvgSq,
            Settings = new Settings(beta1, beta2, eps, l2, stepSize, bc2Sqrt, decayFactor),
        };
        DTypeDispatch.Run(parameter.DType, ref update);
    }

    /// <summary>The step's constants, in double; each kernel rounds them to its element type once.</summary>
    private readonly record struct Settings(double Beta1, double Beta2, double Eps, double L2, double StepSize, double Bc2Sqrt, double DecayFactor);

    private struct StepAction : IDTypeAction
    {
        public Tensor P, G, M, V;
        public Settings Settings;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p = P.Span<T>();
            var g = G.Span<T>();
            var m = M.Span<T>();
            var v = V.Span<T>();
            if (g.Length != p.Length || m.Length != p.Length || v.Length != p.Length)
                throw new ArgumentException("internal: Adam spans differ in length");
            if (p.Length <= Chunk)
            {
                Run(p, g, m, v, Settings);
                return;
            }
            fixed (T* pp = p) fixed (T* pg = g) fixed (T* pm = m) fixed (T* pv = v)
            {
                var body = new ChunkBody<T> { P = pp, G = pg, M = pm, V = pv, Length = p.Length, Settings = Settings };
                // About 8 multiply-adds' worth per element: a square root and a division dominate.
                Parallelism.For((p.Length + Chunk - 1) / Chunk, 8L * Chunk, body);
            }
        }
    }

    private struct ChunkBody<T> : IParallelBody where T : unmanaged, IFloatingPointIeee754<T>
    {
        public T* P, G, M, V;
        public int Length;
        public Settings Settings;

        public readonly void Invoke(int index)
        {
            int start = index * Chunk, count = Math.Min(Chunk, Length - start);
            Run(new Span<T>(P + start, count), new ReadOnlySpan<T>(G + start, count), new Span<T>(M + start, count),
                new Span<T>(V + start, count), Settings);
        }
    }

    /// <summary>The update over spans of one length: the widest accelerated vectors, then the same arithmetic per element.</summary>
    private static void Run<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, Settings s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // lerp(a, b, w) as PyTorch evaluates it: a + w·(b − a) for w < ½, else b − (b − a)·(1 − w).
        T w = T.CreateTruncating(1 - s.Beta1), wc = T.CreateTruncating(s.Beta1);
        bool lowWeight = 1 - s.Beta1 < 0.5;
        T b2 = T.CreateTruncating(s.Beta2), ob2 = T.CreateTruncating(1 - s.Beta2), e = T.CreateTruncating(s.Eps);
        T l2 = T.CreateTruncating(s.L2), negStep = T.CreateTruncating(-s.StepSize), bc = T.CreateTruncating(s.Bc2Sqrt);
        T factor = T.CreateTruncating(s.DecayFactor);
        bool useL2 = s.L2 != 0, useDecay = s.DecayFactor != 1;
        ref T rp = ref MemoryMarshal.GetReference(p);
        ref T rg = ref MemoryMarshal.GetReference(g);
        ref T rm = ref MemoryMarshal.GetReference(m);
        ref T rv = ref MemoryMarshal.GetReference(v);
        nuint n = (nuint)p.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && n >= (nuint)Vector512<T>.Count)
        {
            var vw = Vector512.Create(w); var vwc = Vector512.Create(wc); var vb2 = Vector512.Create(b2); var vob2 = Vector512.Create(ob2);
            var ve = Vector512.Create(e); var vl2 = Vector512.Create(l2); var vneg = Vector512.Create(negStep); var vbc = Vector512.Create(bc);
            var vfactor = Vector512.Create(factor);
            for (; i <= n - (nuint)Vector512<T>.Count; i += (nuint)Vector512<T>.Count)
            {
                var vp = Vector512.LoadUnsafe(ref rp, i);
                if (useDecay) vp *= vfactor;
                var vg = Vector512.LoadUnsafe(ref rg, i);
                if (useL2) vg += vl2 * vp;
                var vm = Vector512.LoadUnsafe(ref rm, i);
                vm = lowWeight ? vm + vw * (vg - vm) : vg - (vg - vm) * vwc;
                var vv = Vector512.LoadUnsafe(ref rv, i) * vb2 + vob2 * (vg * vg);
                vm.StoreUnsafe(ref rm, i);
                vv.StoreUnsafe(ref rv, i);
                var denom = Vector512.Sqrt(vv) / vbc + ve;
                (vp + vneg * vm / denom).StoreUnsafe(ref rp, i);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= (nuint)Vector256<T>.Count)
        {
            var vw = Vector256.Create(w); var vwc = Vector256.Create(wc); var vb2 = Vector256.Create(b2); var vob2 = Vector256.Create(ob2);
            var ve = Vector256.Create(e); var vl2 = Vector256.Create(l2); var vneg = Vector256.Create(negStep); var vbc = Vector256.Create(bc);
            var vfactor = Vector256.Create(factor);
            for (; i <= n - (nuint)Vector256<T>.Count; i += (nuint)Vector256<T>.Count)
            {
                var vp = Vector256.LoadUnsafe(ref rp, i);
                if (useDecay) vp *= vfactor;
                var vg = Vector256.LoadUnsafe(ref rg, i);
                if (useL2) vg += vl2 * vp;
                var vm = Vector256.LoadUnsafe(ref rm, i);
                vm = lowWeight ? vm + vw * (vg - vm) : vg - (vg - vm) * vwc;
                var vv = Vector256.LoadUnsafe(ref rv, i) * vb2 + vob2 * (vg * vg);
                vm.StoreUnsafe(ref rm, i);
                vv.StoreUnsafe(ref rv, i);
                var denom = Vector256.Sqrt(vv) / vbc + ve;
                (vp + vneg * vm / denom).StoreUnsafe(ref rp, i);
            }
        }
        for (; i < n; i++)
        {
            ref T pi = ref Unsafe.Add(ref rp, i);
            if (useDecay) pi *= factor;
            T gi = Unsafe.Add(ref rg, i);
            if (useL2) gi += l2 * pi;
            ref T mi = ref Unsafe.Add(ref rm, i);
            mi = lowWeight ? mi + w * (gi - mi) : gi - (gi - mi) * wc;
            ref T vi = ref Unsafe.Add(ref rv, i);
            vi = vi * b2 + ob2 * (gi * gi);
            T denom = T.Sqrt(vi) / bc + e;
            pi += negStep * mi / denom;
        }
    }
}
