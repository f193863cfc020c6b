namespace Backprop.Tests.Browser;

/// <summary>
/// The browser tests run one at a time: each starts its own Chromium, and two of them at once on a two-core machine
/// would only slow each other (and everything else) down.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserCollection
{
    public const string Name = "Browser";
}
