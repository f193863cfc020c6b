namespace Backprop;

public sealed partial class Tensor
{
    /// <summary>
    /// Back-propagates from this tensor: every leaf that requires a gradient gets ∂this/∂leaf added to its
    /// <see cref="Grad"/>. A one-element output needs no <paramref name="gradient"/> (it is 1); any other output
    /// needs one of its own shape. Saved forward values are released as the pass goes unless
    /// <paramref name="retainGraph"/>, so a second backward through the same graph then needs the first to retain it.
    /// </summary>
    /// <param name="gradient">The gradient at this tensor; null for a one-element tensor (1).</param>
    /// <param name="retainGraph">Keep the saved values for another pass; by default as <paramref name="createGraph"/>.</param>
    /// <param name="createGraph">
    /// Record the backward pass itself, so the gradients put into <see cref="Grad"/> are graph-connected and can be
    /// differentiated again (Hessian-vector products, gradient penalties). Implies <paramref name="retainGraph"/> unless
    /// that is given. Every operator on the way needs a differentiable backward rule (docs/architecture.md lists them);
    /// one without refuses with a <see cref="NotSupportedException"/>.
    /// </param>
    public void Backward(Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false) =>
        BackwardEngine.Run(this, gradient, retainGraph ?? createGraph, createGraph, null);

    /// <summary>As <see cref="Backward(Tensor?, bool?, bool)"/>, reporting every step to <paramref name="observer"/>.</summary>
    public void Backward(IBackwardObserver observer, Tensor? gradient = null, bool? retainGraph = null, bool createGraph = false) =>
        BackwardEngine.Run(this, gradient, retainGraph ?? createGraph, createGraph, observer);
}
