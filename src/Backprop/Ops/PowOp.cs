using System.Numerics;
using Backprop.Kernels;

namespace Backprop.Ops;

/// <summary>
/// aᵇ for tensors with broadcasting; ∂/∂a = b·aᵇ⁻¹ and ∂/∂b = aᵇ·ln a, with PyTorch's values where those formulas
/// meet 0·∞: ∂/∂a is 0 wherever b = 0 (a⁰ is constant, even at a = 0 where aᵇ⁻¹ = ∞), and ∂/∂b is 0 wherever a = 0
/// and b ≥ 0 (0ᵇ is constant there, though ln 0 = −∞). As in PyTorch, the first is selected, so it stays 0 even for
/// an infinite upstream gradient, and the second is a local gradient 0 multiplied by the upstream one.
/// </summary>
internal sealed class PowOp : Node
{
    private Tensor? _a, _b, _y;
    public override string Name => "pow";

    public static Tensor Apply(Tensor a, Tensor b)
    {
        var y = Elementwise.Binary("pow", a, b, new PowFunction());
        return Autograd.ShouldRecord(a, b) ? Record(y, new PowOp { _a = a, _b = b, _y = y }, a, b) : y;
    }

    internal override void Backward(Tensor g, Span<Tensor?> dx)
    {
        var y = Saved(_y);
        var shape = y.ShapeArray;
        // Every operand in the output's (broadcast) shape; the engine sums each gradient back to its input's shape.
        var a = Saved(_a).CastData(y.DType).ExpandData(shape).ContiguousData();
        var b = Saved(_b).CastData(y.DType).ExpandData(shape).ContiguousData();
        var gc = g.CastData(y.DType).ContiguousData();
        bool wantA = InputArray[0].RequiresGrad, wantB = InputArray[1].RequiresGrad;
        var da = wantA ? Storage.Empty(shape, y.DType) : null;
        var db = wantB ? Storage.Empty(shape, y.DType) : null;
        var gradients = new GradientsAction { G = gc, A = a, B = b, Y = y, DA = da, DB = db };
        DTypeDispatch.Run(y.DType, ref gradients);
        dx[0] = da;
        dx[1] = db;
    }

    // Written with recorded operators on the inputs themselves, so the gradient is differentiable again.
    // The same special values as the rule above, by selection on constant masks.
    internal override void RecordedBackward(Tensor g, Span<Tensor?> dx)
    {
        var a = Input(0);
        var b = Input(1);
        var zero = Tensor.Zeros([], g.DType);
        if (Wants(0))
        {
            Tensor exponentZero;
            using (Autograd.NoGrad()) exponentZero = b.Eq(0);
            dx[0] = Tensor.Where(exponentZero, zero, g * (b * a.Pow(b - 1)));
        }
        if (Wants(1))
        {
            Tensor constantBase;
            using (Autograd.NoGrad()) constantBase = a.Eq(0).To(g.DType) * b.Ge(0).To(g.DType);
            dx[1] = g * Tensor.Where(constantBase, zero, a.Pow(b) * a.Log());
        }
    }

    /// <summary>Both local-gradient products in one pass; an empty span is a gradient nobody needs.</summary>
    private static void Gradients<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> a, ReadOnlySpan<T> b, ReadOnlySpan<T> y, Span<T> da, Span<T> db)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!da.IsEmpty)
            for (int i = 0; i < da.Length; i++)
                da[i] = b[i] == T.Zero ? T.Zero : g[i] * (b[i] * T.Pow(a[i], b[i] - T.One));
        if (!db.IsEmpty)
            for (int i = 0; i < db.Length; i++)
                db[i] = g[i] * (a[i] == T.Zero && b[i] >= T.Zero ? T.Zero : y[i] * T.Log(a[i]));
    }

    private struct GradientsAction : IDTypeAction
    {
        public Tensor G, A, B, Y;
        public Tensor? DA, DB;

        public readonly void Invoke<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
            Gradients(G.Span<T>(), A.Span<T>(), B.Span<T>(), Y.Span<T>(), DA is null ? default : DA.Span<T>(), DB is null ? default : DB.Span<T>());
    }

    protected override void ReleaseSaved() => _a = _b = _y = null;
}
