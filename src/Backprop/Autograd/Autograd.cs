namespace Backprop;

/// <summary>Switches gradient recording on and off.</summary>
public static class Autograd
{
    // AsyncLocal rather than ThreadStatic: a no-grad scope must follow an async flow across threads, and
    // must not leak into other threads' work.
    private static readonly AsyncLocal<int> NoGradDepth = new();

    /// <summary>Whether operators currently record the graph for backward.</summary>
    public static bool IsGradEnabled => NoGradDepth.Value == 0;

    /// <summary>
    /// Within the returned scope no operator records a graph (for evaluation and parameter updates).
    /// Scopes nest; dispose them in reverse order (a <c>using</c> does).
    /// </summary>
    public static NoGradScope NoGrad()
    {
        NoGradDepth.Value++;
        return new NoGradScope();
    }

    internal static void ExitNoGrad() => NoGradDepth.Value--;

    /// <summary>Whether an operator applied to this input must be recorded.</summary>
    internal static bool ShouldRecord(Tensor a) => a.RequiresGrad && IsGradEnabled;

    internal static bool ShouldRecord(Tensor a, Tensor b) => (a.RequiresGrad || b.RequiresGrad) && IsGradEnabled;

    internal static bool ShouldRecord(Tensor[] inputs)
    {
        foreach (var t in inputs)
            if (t.RequiresGrad) return IsGradEnabled;
        return false;
    }
}

/// <summary>The scope returned by <see cref="Autograd.NoGrad"/>; disposing it restores recording.</summary>
public readonly struct NoGradScope : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Autograd.ExitNoGrad();
}
