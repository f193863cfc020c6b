using Backprop.Data;

namespace Backprop.Tests.Requirements;

/// <summary>
/// A fact that reads the installed Fashion-MNIST files in <see cref="FashionMnist.DefaultDirectory"/>. Without them
/// the test is reported as skipped, with the reason, rather than passing without having checked anything.
/// <c>.ci/run</c> installs Debian's <c>dataset-fashion-mnist</c> where it can.
/// </summary>
public sealed class FashionMnistFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when the data set is not installed.</summary>
    public FashionMnistFactAttribute()
    {
        if (Skip is null && !FashionMnist.IsAvailable(FashionMnist.DefaultDirectory))
            Skip = $"Fashion-MNIST is not installed in {FashionMnist.DefaultDirectory} (apt-get install dataset-fashion-mnist)";
    }
}
