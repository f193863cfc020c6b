using System.Diagnostics;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit.Abstractions;

namespace Backprop.Tests.Packaging;

/// <summary>
/// The packages as a user meets them: the tool installed from its .nupkg into a tool path trains, a C# file-based app
/// that names the library package (<c>#:package</c>) restores it and runs the README's example, and each package
/// carries its licence, readme, description and symbols. All three share one pack (<see cref="PackedPackages"/>).
/// </summary>
public sealed class PackageTests(PackedPackages packed, ITestOutputHelper log) : IClassFixture<PackedPackages>
{
    [Fact]
    public void ThePackagesCarryTheirMetadataAndSymbols()
    {
        packed.AssertPacked();
        log.WriteLine($"packed in {packed.PackTime.TotalSeconds:F1} s");
        foreach (var (id, licence) in (ReadOnlySpan<(string, string)>)[("Backprop", "MIT"), ("Backprop.Cli", "MIT AND CC-BY-4.0")])
        {
            using var package = ZipFile.OpenRead(packed.PackagePath(id));
            var nuspec = package.Entries.Single(e => e.FullName == $"{id}.nuspec");
            XElement metadata;
            using (var stream = nuspec.Open()) metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string Field(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value
                ?? throw new Xunit.Sdk.XunitException($"{id}.nuspec has no <{name}>");

            Assert.Equal(id, Field("id"));
            Assert.Equal(packed.Version, Field("version"));
            Assert.Equal("The Backprop authors", Field("authors"));
            Assert.Equal(licence, Field("license"));
            Assert.True(Field("description").Length > 80, $"{id}: the description is not the project's own: {Field("description")}");
            Assert.NotEmpty(Field("tags"));

            // The readme is in the package and renders on a gallery: no link or image relative to a repository.
            Assert.Equal("README.md", Field("readme"));
            string readme;
            using (var reader = new StreamReader(package.GetEntry("README.md")!.Open())) readme = reader.ReadToEnd();
            Assert.StartsWith($"# {id}", readme);
            Assert.DoesNotMatch(@"\]\((?!https?://)", readme);

            AssertSymbolsEmbedSources(id);
        }
    }

    [Fact]
    public void ThePackagesThatShipThirdPartyCodeCarryItsNotices()
    {
        // Backprop.Onnx is built from ONNX's onnx.proto and needs Google.Protobuf; the tool ships those assemblies
        // and System.CommandLine's. Each carries the repository's notices, word for word, at the package root.
        packed.AssertPacked();
        string notices = File.ReadAllText(Path.Combine(PackedPackages.RepositoryRoot(), "THIRD-PARTY-NOTICES.txt"));
        foreach (var (id, components) in (ReadOnlySpan<(string, string[])>)[
                     ("Backprop.Onnx", ["onnx.proto", "Google.Protobuf"]),
                     ("Backprop.Cli", ["Google.Protobuf", "System.CommandLine", "System.Numerics.Tensors"])])
        {
            using var package = ZipFile.OpenRead(packed.PackagePath(id));
            var entry = package.GetEntry("THIRD-PARTY-NOTICES.txt")
                ?? throw new Xunit.Sdk.XunitException($"{id}.nupkg has no THIRD-PARTY-NOTICES.txt at its root");
            string text;
            using (var reader = new StreamReader(entry.Open())) text = reader.ReadToEnd();
            Assert.Equal(notices, text);
            foreach (string component in components) Assert.Contains(component, text);
        }
        // Every package the tool ships an assembly of is named in the notices.
        using (var tool = ZipFile.OpenRead(packed.PackagePath("Backprop.Cli")))
        {
            var shipped = tool.Entries.Where(e => e.Name.EndsWith(".dll", StringComparison.Ordinal) && !e.Name.StartsWith("Backprop.", StringComparison.Ordinal))
                .Select(e => Path.GetFileNameWithoutExtension(e.Name)).Distinct().ToList();
            Assert.NotEmpty(shipped);
            foreach (string assembly in shipped) Assert.True(notices.Contains(assembly, StringComparison.Ordinal), $"the tool ships {assembly}.dll, which THIRD-PARTY-NOTICES.txt does not name");
        }
    }

    /// <summary>The symbol package holds the library's PDB, and the PDB holds every source file it names.</summary>
    private void AssertSymbolsEmbedSources(string id)
    {
        string symbols = packed.PackagePath(id, ".snupkg");
        Assert.True(File.Exists(symbols), $"no symbol package {Path.GetFileName(symbols)}");
        using var package = ZipFile.OpenRead(symbols);
        var pdb = package.Entries.FirstOrDefault(e => e.Name == "Backprop.pdb")
            ?? throw new Xunit.Sdk.XunitException($"{Path.GetFileName(symbols)} has no Backprop.pdb");
        var bytes = new MemoryStream();
        using (var stream = pdb.Open()) stream.CopyTo(bytes);
        bytes.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(bytes);
        var reader = provider.GetMetadataReader();
        var embeddedSource = new Guid("0E8A571B-6926-466E-B4AD-8AB04611F5FE"); // the portable PDB's EmbeddedSource kind
        var embedded = reader.CustomDebugInformation.Select(reader.GetCustomDebugInformation)
            .Where(info => reader.GetGuid(info.Kind) == embeddedSource && info.Parent.Kind == HandleKind.Document)
            .Select(info => (DocumentHandle)info.Parent).ToHashSet();
        var sources = reader.Documents.Where(d => reader.GetString(reader.GetDocument(d).Name).EndsWith(".cs", StringComparison.Ordinal)).ToList();
        Assert.True(sources.Count > 50, $"{id}: Backprop.pdb names only {sources.Count} source files");
        var missing = sources.Where(d => !embedded.Contains(d)).Select(d => reader.GetString(reader.GetDocument(d).Name)).ToList();
        Assert.True(missing.Count == 0, $"{id}: Backprop.pdb lacks the text of {missing.Count} sources, e.g. {missing.FirstOrDefault()}");
    }

    [Fact]
    public async Task TheToolInstalledFromItsPackageTrains()
    {
        packed.AssertPacked();
        string toolPath = Path.Combine(packed.Root, "tool");
        var clock = Stopwatch.StartNew();
        var install = await ChildProcess.RunAsync(ChildProcess.DotnetHost,
            ["tool", "install", "--tool-path", toolPath, "Backprop.Cli", "--version", packed.Version, "--add-source", packed.PackageFolder],
            packed.Root, PackedPackages.Limit, packed.RestoreEnvironment);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed: {install}");
        log.WriteLine($"installed in {clock.Elapsed.TotalSeconds:F1} s");

        // The corpus of `bench gpt` and `train --data text:` travels with the tool.
        Assert.Single(Directory.GetFiles(Path.Combine(toolPath, ".store"), "moby-dick.txt.gz", SearchOption.AllDirectories));

        clock.Restart();
        var train = await ChildProcess.RunAsync(Path.Combine(toolPath, "backprop"),
            ["train", "--epochs", "1", "--out", Path.Combine(packed.Root, "run"), "--json"],
            packed.Root, PackedPackages.Limit);
        log.WriteLine($"trained in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(train.ExitCode == 0, $"backprop train failed: {train}");
        using var summary = JsonDocument.Parse(train.Output);
        Assert.Equal("digits", summary.RootElement.GetProperty("data").GetString());
        double accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        // One epoch of the default MLP on the digits reaches well above chance (0.1).
        Assert.InRange(accuracy, 0.5, 1.0);
        Assert.True(File.Exists(Path.Combine(packed.Root, "run", "model.safetensors")));
    }

    [Fact]
    public async Task AFileBasedAppRunsTheReadmeExampleFromThePackage()
    {
        packed.AssertPacked();
        string app = Path.Combine(packed.Root, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "readme_example.cs"), $"#:package Backprop@{packed.Version}\n{ReadmeExample()}");

        // The build goes into the temporary folder too, not into the system's shared folder of file-based apps.
        var clock = Stopwatch.StartNew();
        var run = await ChildProcess.RunAsync(ChildProcess.DotnetHost, ["run", "readme_example.cs", "--artifacts-path", Path.Combine(packed.Root, "app-build")], app,
            PackedPackages.Limit, packed.RestoreEnvironment);
        log.WriteLine($"restored, built and ran in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(run.ExitCode == 0, $"dotnet run readme_example.cs failed: {run}");
        // z = x·y with x = 2w + 3b, y = 2b + 1 at w = 3, b = 4: dz/dw = 2y = 18, dz/db = 3y + 2x = 63.
        Assert.Equal("z = 162, dz/dw = 18, dz/db = 63", run.Output.Trim());
        // The package restored is the one packed by this run, not another build of the library.
        Assert.True(Directory.Exists(Path.Combine(packed.PackageCache, "backprop", packed.Version)),
            $"Backprop {packed.Version} was not restored into {packed.PackageCache}");
    }

    /// <summary>The C# block under the README's "In C#" heading, as a user would copy it.</summary>
    private static string ReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(PackedPackages.RepositoryRoot(), "README.md"));
        var block = Regex.Match(readme, @"^## In C#\s*^```csharp\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(block.Success, "README.md has no ```csharp block under '## In C#'");
        return block.Groups["code"].Value;
    }
}
