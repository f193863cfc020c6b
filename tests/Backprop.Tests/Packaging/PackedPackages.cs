using System.Diagnostics;
using System.Reflection;

namespace Backprop.Tests.Packaging;

/// <summary>
/// The library package, the ONNX package and the tool package, packed once for all the tests of <see cref="PackageTests"/> into a
/// temporary folder, with the NuGet setting a user's first install would have.
/// </summary>
/// <remarks>
/// <para>Each run packs a version of its own (<c>0.1.0-test…</c>): NuGet never refreshes a package id and version it
/// has once cached, so a fixed version would install whatever an earlier run left in a cache. Packages are restored
/// into a temporary cache deleted afterwards; the user's cache is only read (a fallback folder, so the library's own
/// dependencies need no download) and never written.</para>
/// <para>The packs reuse the build the tests run from (<c>--no-build</c>, same configuration): packing is the
/// step under test, and rebuilding four projects would add a minute on a loaded machine. Only the package version
/// is overridden, which leaves the compiled assemblies as they are.</para>
/// </remarks>
public sealed class PackedPackages : IAsyncLifetime
{
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    public string Root { get; } = Directory.CreateTempSubdirectory("backprop-packages-").FullName;
    public string PackageFolder => Path.Combine(Root, "packages");
    public string PackageCache => Path.Combine(Root, "nuget-cache");
    /// <summary>The version every package of this run has: the repository's version with a prerelease tag of its own.</summary>
    public string Version { get; } = $"{RepositoryVersion()}-test{Guid.NewGuid():N}";
    public IReadOnlyList<(string Project, ChildProcess.Result Result)> Packs { get; private set; } = [];
    public TimeSpan PackTime { get; private set; }

    /// <summary>The environment of every dotnet command that restores: the run's own package cache.</summary>
    public IReadOnlyDictionary<string, string> RestoreEnvironment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = PackageCache,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    };

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(PackageFolder);
        // A user's NuGet setting plus the folder of packed packages: no <clear/>, so the machine's own feeds stay.
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="packed" value="{PackageFolder}" />
              </packageSources>
              <fallbackPackageFolders>
                <add key="user" value="{UserPackageCache()}" />
              </fallbackPackageFolders>
            </configuration>
            """);

        string configuration = typeof(PackedPackages).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        string[] projects = ["src/Backprop/Backprop.csproj", "src/Backprop.Onnx/Backprop.Onnx.csproj", "src/Backprop.Cli/Backprop.Cli.csproj"];
        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(projects.Select(project => ChildProcess.RunAsync(ChildProcess.DotnetHost,
            ["pack", project, "-c", configuration, "--no-build", "-o", PackageFolder, $"-p:PackageVersion={Version}", "-nologo", "-v", "q"],
            RepositoryRoot(), Limit, RestoreEnvironment)));
        PackTime = clock.Elapsed;
        Packs = [.. projects.Zip(results)];
    }

    public Task DisposeAsync()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a child still holding a file: the temporary folder is left to the system
        return Task.CompletedTask;
    }

    /// <summary>Fails with the pack's own output unless every pack exited 0 without a warning.</summary>
    public void AssertPacked()
    {
        Assert.NotEmpty(Packs);
        foreach (var (project, result) in Packs)
        {
            Assert.True(result.ExitCode == 0, $"dotnet pack {project} failed: {result}");
            Assert.DoesNotMatch(@"warning [A-Z]+\d+", result.Output + result.Error);
        }
    }

    public string PackagePath(string id, string extension = ".nupkg") => Path.Combine(PackageFolder, $"{id}.{Version}{extension}");

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Backprop.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Backprop.slnx above {AppContext.BaseDirectory}");
    }

    /// <summary>The version the build gave the library (Directory.Build.props), without its source-revision suffix.</summary>
    private static string RepositoryVersion()
    {
        string informational = typeof(Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        return informational.Split('+')[0];
    }

    private static string UserPackageCache() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
