using Backprop.Tests.Browser;

namespace Backprop.Tests.Requirements;

/// <summary>
/// A fact that drives a headless Chromium. Without one the test is reported as skipped, with the reason, rather than
/// passing without having looked at anything. <c>.ci/run</c> installs Debian's <c>chromium</c> where it can.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    /// <summary>Skips the fact when no browser is found.</summary>
    public BrowserFactAttribute() => Skip ??= Chromium.MissingReason;
}
