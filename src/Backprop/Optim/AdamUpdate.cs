using System.Numerics;

namespace Backprop.Optim;

/// <summary>
/// The Adam moment update and step for one parameter, in one vectorised pass, in PyTorch's order of operations
/// (so float results match it, not just the formula): m ← lerp(m, g, 1 − β₁); v ← β₂·v + (1 − β₂)·g²;
/// p ← p + (−lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε). An L2 term λ·p is added to g first when given.
/// </summary>
internal static class AdamUpdate
{
    public static void Apply(Tensor parameter, Tensor gradient, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
        double eps, double l2, long step)
    {
        double bc1 = 1 - Math.Pow(beta1, step);
        double bc2Sqrt = Math.Sqrt(1 - Math.Pow(beta2, step));
        double stepSize = lr / bc1;
        var update = new StepAction
        {
            P = parameter, G = gradient, M = expAvg, V = expAvgSq, Beta1 = beta1, Beta2 = beta2, Eps = eps, L2 = l2, StepSize = stepSize, Bc2Sqrt = bc2Sqrt,
        };
        DTypeDispatch.Run(parameter.DType, ref update);
    }

    private struct StepAction : IDTypeAction
    {
        public Tensor P, G, M, V;
        public double Beta1, Beta2, Eps, L2, StepSize, Bc2Sqrt;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Run(P.Span<T>(), G.Span<T>(), M.Span<T>(), V.Span<T>(), Beta1, Beta2, Eps, L2, StepSize, Bc2Sqrt);
    }

    private static void Run<T>(Span<T> p, ReadOnlySpan<T> g, Span<T> m, Span<T> v, double beta1, double beta2, double eps, double l2,
        double stepSize, double bc2Sqrt) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // lerp(a, b, w) as PyTorch evaluates it: a + w·(b − a) for w < ½, else b − (b − a)·(1 − w).
        T w = T.CreateTruncating(1 - beta1), wc = T.CreateTruncating(beta1);
        bool lowWeight = 1 - beta1 < 0.5;
        T b2 = T.CreateTruncating(beta2), ob2 = T.CreateTruncating(1 - beta2), e = T.CreateTruncating(eps);
        T decay = T.CreateTruncating(l2), negStep = T.CreateTruncating(-stepSize), bc = T.CreateTruncating(bc2Sqrt);
        bool useDecay = l2 != 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && p.Length >= Vector<T>.Count)
        {
            var vw = new Vector<T>(w); var vwc = new Vector<T>(wc); var vb2 = new Vector<T>(b2); var vob2 = new Vector<T>(ob2);
            var ve = new Vector<T>(e); var vdecay = new Vector<T>(decay); var vneg = new Vector<T>(negStep); var vbc = new Vector<T>(bc);
            for (; i <= p.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                var vp = new Vector<T>(p[i..]);
                var vg = new Vector<T>(g[i..]);
                if (useDecay) vg += vdecay * vp;
                var vm = new Vector<T>(m[i..]);
                vm = lowWeight ? vm + vw * (vg - vm) : vg - (vg - vm) * vwc;
                var vv = new Vector<T>(v[i..]) * vb2 + vob2 * (vg * vg);
                vm.CopyTo(m[i..]);
                vv.CopyTo(v[i..]);
                var denom = Vector.SquareRoot(vv) / vbc + ve;
                (vp + vneg * vm / denom).CopyTo(p[i..]);
            }
        }
        for (; i < p.Length; i++)
        {
            T gi = g[i];
            if (useDecay) gi += decay * p[i];
            T mi = lowWeight ? m[i] + w * (gi - m[i]) : gi - (gi - m[i]) * wc;
            T vi = v[i] * b2 + ob2 * (gi * gi);
            m[i] = mi;
            v[i] = vi;
            T denom = T.Sqrt(vi) / bc + e;
            p[i] += negStep * mi / denom;
        }
    }
}
