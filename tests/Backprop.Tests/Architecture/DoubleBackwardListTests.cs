using System.Reflection;
using System.Text.RegularExpressions;

namespace Backprop.Tests.Architecture;

/// <summary>
/// docs/architecture.md lists the operators that support double backward; the list must be exactly the node classes
/// that override <c>RecordedBackward</c>, so the code stays the one source and the page cannot drift from it.
/// </summary>
public class DoubleBackwardListTests
{
    [Fact]
    public void TheDocumentedListIsTheOperatorsWithARecordedRule()
    {
        var overriding = typeof(Tensor).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Node)) && !t.IsAbstract)
            .Where(t => t.GetMethod("RecordedBackward", BindingFlags.Instance | BindingFlags.NonPublic)!.DeclaringType == t)
            .Select(t => t.Name)
            .Order()
            .ToArray();
        Assert.Contains("TanhOp", overriding);
        Assert.Contains("Conv2dOp", overriding);
        Assert.DoesNotContain("BatchNormEvalOp", overriding); // recorded in export traces only, with no backward at all

        string doc = File.ReadAllText(RepositoryFiles.Path("docs/architecture.md"));
        const string start = "Operators with a recorded rule";
        int at = doc.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/architecture.md has no paragraph starting '{start}'");
        int end = doc.IndexOf("\n\n", at, StringComparison.Ordinal);
        var documented = Regex.Matches(doc[at..end], "`([A-Za-z0-9]+(?:Op|Node))`").Select(m => m.Groups[1].Value).Order().ToArray();
        Assert.Equal(overriding, documented);
    }
}
