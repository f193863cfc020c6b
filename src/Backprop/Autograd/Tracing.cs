namespace Backprop;

/// <summary>
/// A trace of one forward pass, for exporters: within the scope every operator records its node even when no input
/// requires a gradient (integer tokens, a model in evaluation, a no-grad block), and every node remembers the module
/// path of the forward pass that made it (<see cref="Node.Origin"/>). Nothing else changes: the values computed are
/// the ones an ordinary forward pass computes. Scopes nest and follow the async flow, as <see cref="Autograd.NoGrad"/> does.
/// </summary>
internal static class Tracing
{
    /// <summary>Starts a trace; dispose the scope to end it.</summary>
    public static TraceScope Begin()
    {
        AnomalyDetection.EnterTrace();
        return new TraceScope();
    }

    /// <summary>Whether a trace is on in the current async flow.</summary>
    public static bool IsOn => AnomalyDetection.IsTracing;
}

/// <summary>The scope returned by <see cref="Tracing.Begin"/>; disposing it ends the trace.</summary>
internal readonly struct TraceScope : IDisposable
{
    public void Dispose() => AnomalyDetection.ExitTrace();
}
