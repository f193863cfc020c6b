namespace Backprop;

// Whole Jacobians, row by row (reverse mode) or column by column (forward mode), and the Hessian as their composition.
public static partial class Functional
{
    /// <summary>
    /// The Jacobian by reverse mode (<c>torch.func.jacrev</c>): <c>JacRev(f)(x)</c> has shape f(x).shape ++ x.shape,
    /// one vector-Jacobian product per output element, all from one evaluation of f. The cheaper way when f has fewer
    /// outputs than inputs.
    /// </summary>
    public static Func<Tensor, Tensor> JacRev(Func<Tensor, Tensor> f, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            bool createGraph = Differentiable(x);
            var own = Own("JacRev", x, 0, createGraph);
            var y = CheckOutput("JacRev", Inside(() => f(own)));
            var rows = new Tensor[y.Numel];
            for (int k = 0; k < rows.Length; k++)
                rows[k] = Gradients("JacRev", y, [own], [0], Basis(y, k), createGraph, retainGraph: createGraph || k < rows.Length - 1, allowUnused)[0];
            return Assemble(rows, 0, y.ShapeArray, x.ShapeArray);
        };
    }

    /// <summary>
    /// The Jacobian by forward mode (<c>torch.func.jacfwd</c>): <c>JacFwd(f)(x)</c> has shape f(x).shape ++ x.shape,
    /// one Jacobian-vector product per input element, all from one linearization of f. The cheaper way when f has
    /// fewer inputs than outputs.
    /// </summary>
    public static Func<Tensor, Tensor> JacFwd(Func<Tensor, Tensor> f, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        return x =>
        {
            ArgumentNullException.ThrowIfNull(x);
            var linearization = Linearize("JacFwd", t => f(t[0]), [x], Differentiable(x), allowUnused);
            var columns = new Tensor[x.Numel];
            for (int j = 0; j < columns.Length; j++)
                columns[j] = linearization.Apply([Basis(x, j)], retainGraph: j < columns.Length - 1);
            var y = linearization.Value;
            return Assemble(columns, y.Rank, y.ShapeArray, x.ShapeArray);
        };
    }

    /// <summary>
    /// The Hessian ∂²f/∂x² of a scalar function, of shape x.shape ++ x.shape: <c>JacFwd(JacRev(f))</c>, as
    /// <c>torch.func.hessian</c> composes it.
    /// </summary>
    public static Func<Tensor, Tensor> Hessian(Func<Tensor, Tensor> f, bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(f);
        var hessian = JacFwd(JacRev(x => CheckScalar("Hessian", CheckOutput("Hessian", f(x))), allowUnused), allowUnused);
        return hessian;
    }

    /// <summary>The k-th standard basis tensor of <paramref name="like"/>'s shape and dtype.</summary>
    private static Tensor Basis(Tensor like, int k)
    {
        var values = new double[like.Numel];
        values[k] = 1;
        var e = Tensor.FromArray(values, values.Length).Reshape(like.ShapeArray); // FromArray reads an empty shape as [n]
        return like.DType == DType.Float64 ? e : e.To(like.DType);
    }

    /// <summary>
    /// Rows (each of x's shape, stacked on axis 0) or columns (each of y's shape, stacked after y's axes) into the
    /// Jacobian of shape y.shape ++ x.shape.
    /// </summary>
    private static Tensor Assemble(Tensor[] pieces, int axis, int[] outputShape, int[] inputShape)
    {
        int[] shape = [.. outputShape, .. inputShape];
        if (pieces.Length == 0) return Tensor.Zeros(shape);
        return Tensor.Stack(pieces, axis).Reshape(shape);
    }
}
