namespace Backprop.Tests.Autograd;

/// <summary>
/// Nested differentiation through the function transforms must keep each level's perturbation its own: the examples of
/// Siskind and Pearlmutter ("Perturbation confusion and referential transparency", 2005; "Nesting forward-mode AD in a
/// functional framework", 2008) and the nestings they generalize to — Grad in Grad sharing a variable, Jvp in Grad, Grad in
/// Jvp, Jvp in Jvp — each with its closed form at several points.
/// </summary>
public class PerturbationConfusionTests
{
    private static readonly double[] Points = [-1.5, 0.0, 0.5, 3.0];

    private static Tensor S(double value) => Tensor.Scalar(value);

    private static double D(Func<Tensor, Tensor> f, double at) => Functional.Grad(f)(S(at)).Item();

    [Fact]
    public void TheClassicExampleIsOneEverywhere()
    {
        // d/dx [x · d/dy (x + y)] at y = 1: the inner derivative is 1, so the whole is 1 (a shared perturbation gives 2).
        foreach (double x in Points)
            Assert.Equal(1.0, D(u => u * Functional.Grad(y => u + y)(S(1)), x), 12);
    }

    [Fact]
    public void TheInnerFunctionMultipliesByTheOuterVariable()
    {
        // d/dx [x · d/dy (x · y)] = d/dx [x · x] = 2x (Siskind & Pearlmutter's second example).
        foreach (double x in Points)
            Assert.Equal(2 * x, D(u => u * Functional.Grad(y => u * y)(S(2)), x), 12);
    }

    [Fact]
    public void NestedGradientsOfTheSameVariable()
    {
        // d/dx [x · d/dx (x²)] = d/dx [2x²] = 4x: the inner transform differentiates its own copy of the very tensor the outer one does.
        foreach (double x in Points)
            Assert.Equal(4 * x, D(u => u * Functional.Grad(z => z * z)(u), x), 12);
        // d/dx [d/dz (z · x) at z = x] = d/dx [x] = 1: the inner variable is the outer one, and it also appears as a constant.
        foreach (double x in Points)
            Assert.Equal(1.0, D(u => Functional.Grad(z => z * u)(u), x), 12);
    }

    [Fact]
    public void JvpInsideGrad()
    {
        // d/dx [x · (∂/∂y (x · y²) · 1 at y = 3)] = d/dx [x · 6x] = 12x.
        foreach (double x in Points)
            Assert.Equal(12 * x, D(u => u * Functional.Jvp(y => u * y * y, S(3), S(1)).Tangent, x), 12);
    }

    [Fact]
    public void GradInsideJvp()
    {
        // The tangent of x ↦ x · d/dy (x + y) along 1 is 1, and of x ↦ x · d/dy (x · y) along 2 is 2·2x.
        foreach (double x in Points)
        {
            Assert.Equal(1.0, Functional.Jvp(u => u * Functional.Grad(y => u + y)(S(1)), S(x), S(1)).Tangent.Item(), 12);
            Assert.Equal(4 * x, Functional.Jvp(u => u * Functional.Grad(y => u * y)(S(2)), S(x), S(2)).Tangent.Item(), 12);
        }
    }

    [Fact]
    public void JvpInsideJvp()
    {
        // ∂/∂x of [∂/∂y (x · y²) at y = y₀] = ∂/∂x [2·x·y₀] = 2·y₀; and x · (∂/∂y (x + y)) has tangent 1.
        foreach (double x in Points)
        {
            Assert.Equal(2 * 1.5, Functional.Jvp(u => Functional.Jvp(y => u * y * y, S(1.5), S(1)).Tangent, S(x), S(1)).Tangent.Item(), 12);
            Assert.Equal(1.0, Functional.Jvp(u => u * Functional.Jvp(y => u + y, S(0.7), S(1)).Tangent, S(x), S(1)).Tangent.Item(), 12);
        }
    }

    [Fact]
    public void ThreeLevelsEachWithItsOwnVariable()
    {
        // d/dx [x · d/dy [y · d/dz (x · y · z)]] = d/dx [x · d/dy (x · y²)] = d/dx [x · 2xy] at y = 1.5 = 4x·1.5.
        foreach (double x in Points)
            Assert.Equal(4 * x * 1.5,
                D(u => u * Functional.Grad(y => y * Functional.Grad(z => u * y * z)(S(0.3)))(S(1.5)), x), 12);
    }

    [Fact]
    public void HessianOfAFunctionThatDifferentiatesInside()
    {
        // f(x) = x · d/dy (x · y)² at y = 1 = x · 2x²·1 = 2x³; f″ = 12x, through JacFwd(JacRev(f)) over a Grad inside f.
        foreach (double x in Points)
        {
            var h = Functional.Hessian(u => (u * Functional.Grad(y => (u * y).Square())(S(1))).Sum())(S(x));
            Assert.Equal(12 * x, h.Item(), 11);
        }
    }
}
