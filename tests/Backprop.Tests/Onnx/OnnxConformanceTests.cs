using Backprop.Tests.Requirements;

namespace Backprop.Tests.Onnx;

/// <summary>
/// ONNX's backend conformance cases (Debian's libonnx-testdata) run through <see cref="Backprop.Onnx.OnnxModel"/>:
/// every case whose op types and element types Backprop implements must match ONNX's expected outputs, or fail for
/// the reason recorded in <see cref="OnnxConformanceReport.KnownFailures"/>.
/// </summary>
public class OnnxConformanceTests
{
    public static TheoryData<string> ImplementedCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in OnnxConformance.Cases)
            if (c.Unsupported is null) data.Add(c.Id);
        return data;
    }

    [OnnxConformanceTheory]
    [MemberData(nameof(ImplementedCases))]
    public void Case_matches_the_reference_outputs(string id)
    {
        var failure = OnnxConformance.Run(OnnxConformance.Find(id));
        if (OnnxConformanceReport.KnownFailures.TryGetValue(id, out var known))
        {
            Assert.True(failure is not null, $"{id} passes now: remove it from OnnxConformanceReport.KnownFailures");
            Assert.Contains(known.Error, failure);
        }
        else
            Assert.True(failure is null, $"{id}: {failure}");
    }

    [OnnxConformanceFact]
    public void The_suite_is_the_one_the_score_was_measured_on()
    {
        // 932 node cases, 82 converted PyTorch modules and 35 PyTorch operators in libonnx-testdata 1.12.0.
        Assert.Equal(932, OnnxConformance.Cases.Count(c => c.Set == "node"));
        Assert.Equal(82, OnnxConformance.Cases.Count(c => c.Set == "pytorch-converted"));
        Assert.Equal(35, OnnxConformance.Cases.Count(c => c.Set == "pytorch-operator"));
    }

    [OnnxConformanceFact]
    public void The_published_table_is_the_current_score()
    {
        var doc = Path.Combine(RepositoryRoot(), "docs", "onnx.md");
        var table = OnnxConformanceReport.Build();
        var text = File.ReadAllText(doc);
        if (Environment.GetEnvironmentVariable("BACKPROP_WRITE_ONNX_CONFORMANCE") == "1")
        {
            int begin = text.IndexOf(OnnxConformanceReport.Begin, StringComparison.Ordinal);
            int end = text.IndexOf(OnnxConformanceReport.End, StringComparison.Ordinal);
            Assert.True(begin >= 0 && end > begin, $"{doc} has no conformance table markers");
            text = text[..begin] + table + text[(end + OnnxConformanceReport.End.Length)..];
            File.WriteAllText(doc, text);
        }
        Assert.True(text.Contains(table, StringComparison.Ordinal),
            $"the conformance table in {doc} is not the current score; rerun tools/onnx-conformance.sh");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Backprop.slnx above {AppContext.BaseDirectory}");
    }
}
