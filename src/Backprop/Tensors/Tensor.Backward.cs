namespace Backprop;

public sealed partial class Tensor
{
    /// <summary>
    /// Back-propagates from this tensor: every leaf that requires a gradient gets ∂this/∂leaf added to its
    /// <see cref="Grad"/>. A one-element output needs no <paramref name="gradient"/> (it is 1); any other output
    /// needs one of its own shape. Saved forward values are released as the pass goes unless
    /// <paramref name="retainGraph"/>, so a second backward through the same graph then needs the first to retain it.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) => BackwardEngine.Run(this, gradient, retainGraph, null);

    /// <summary>As <see cref="Backward(Tensor?, bool)"/>, reporting every step to <paramref name="observer"/>.</summary>
    public void Backward(IBackwardObserver observer, Tensor? gradient = null, bool retainGraph = false) =>
        BackwardEngine.Run(this, gradient, retainGraph, observer);
}
