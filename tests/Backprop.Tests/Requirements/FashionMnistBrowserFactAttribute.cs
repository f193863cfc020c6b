using Backprop.Data;
using Backprop.Tests.Browser;

namespace Backprop.Tests.Requirements;

/// <summary>
/// A fact that drives a headless Chromium over a page made from the installed Fashion-MNIST files. Without either
/// the test is reported as skipped, with the reason. <c>.ci/run</c> installs both where it can.
/// </summary>
public sealed class FashionMnistBrowserFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when no browser is found or the data set is not installed.</summary>
    public FashionMnistBrowserFactAttribute()
    {
        Skip ??= Chromium.MissingReason;
        if (Skip is null && !FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist)";
    }
}
