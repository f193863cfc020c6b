using System.Diagnostics;

namespace Backprop.Tests.Samples;

/// <summary>
/// Every program in <c>samples/</c> runs in its short mode (<c>dotnet run samples/NAME.cs -- --short</c>) and exits 0:
/// each sample checks its own result (an accuracy or a loss within a bound) and exits non-zero when it is off. The
/// list is read from the folder, so a new sample is tested without being named here.
/// </summary>
/// <remarks>
/// The samples run one after another: each <c>dotnet run</c> builds its program and the projects it references, and
/// two builds of the same project at once would write the same files.
/// </remarks>
public sealed class SamplesTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);

    private static string[] SampleFiles() =>
        [.. Directory.GetFiles(Path.Combine(RepositoryFiles.Root, "samples"), "*.cs").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static TheoryData<string> Samples() => new(SampleFiles());

    [Fact]
    public void TheSamplesOfTheIssueAreThere()
    {
        var names = SampleFiles();
        Assert.Contains("regression.cs", names);
        Assert.Contains("digits_two_layer.cs", names);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task RunsInShortModeAndExitsZero(string sample)
    {
        string root = RepositoryFiles.Root;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in (string[])["run", Path.Combine("samples", sample), "--", "--short"]) start.ArgumentList.Add(arg);
        // The test host's MSBuild settings must not leak into the sample's own build.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"samples/{sample} --short did not finish within {Limit.TotalMinutes} minutes");
        }
        Assert.True(process.ExitCode == 0,
            $"samples/{sample} --short exited with {process.ExitCode}\nstdout:\n{await output}\nstderr:\n{await error}");
    }
}
