using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Backprop.Tests.Packaging;

/// <summary>
/// Every project under <c>src/</c> is a package with metadata of its own, and the shared metadata and the one version
/// live in Directory.Build.props. <see cref="PackageTests"/> packs two of the packages and reads what they carry; this
/// reads the project files of all of them, so a new project cannot ship the SDK's defaults.
/// </summary>
public sealed class ProjectMetadataTests
{
    private static string Root => PackedPackages.RepositoryRoot();

    public static TheoryData<string> Projects() =>
        new(Directory.GetDirectories(Path.Combine(Root, "src")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    [Theory]
    [MemberData(nameof(Projects))]
    public void EveryPackageHasItsOwnIdDescriptionTagsAndReadme(string project)
    {
        string directory = Path.Combine(Root, "src", project);
        var file = XDocument.Load(Path.Combine(directory, $"{project}.csproj"));
        string? Property(string name) => file.Descendants(name).SingleOrDefault()?.Value;

        Assert.NotEqual("false", Property("IsPackable"));
        Assert.Equal(project, Property("PackageId"));
        Assert.True(Property("Description") is { Length: > 80 }, $"{project}: no description of its own");
        Assert.False(string.IsNullOrWhiteSpace(Property("PackageTags")), $"{project}: no tags");

        var readmeItem = file.Descendants("None").SingleOrDefault(e => (string?)e.Attribute("Update") == "README.md");
        Assert.True(readmeItem is not null && (string?)readmeItem.Attribute("Pack") == "true", $"{project}: README.md is not packed");
        string readme = File.ReadAllText(Path.Combine(directory, "README.md"));
        Assert.StartsWith($"# {project}\n", readme);
        // A gallery shows the readme outside the repository: a relative link or image would be broken there.
        Assert.DoesNotMatch(@"\]\((?!https?://)", readme);
    }

    [Fact]
    public void TheSharedMetadataAndTheVersionAreInOnePlace()
    {
        var props = XDocument.Load(Path.Combine(Root, "Directory.Build.props"));
        string? Property(string name) => props.Descendants(name).SingleOrDefault()?.Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", Property("Version"));
        Assert.Equal("The Backprop authors", Property("Authors"));
        Assert.Equal("MIT", Property("PackageLicenseExpression"));
        Assert.Equal("README.md", Property("PackageReadmeFile"));
        Assert.Equal("snupkg", Property("SymbolPackageFormat"));
        Assert.Equal("true", Property("EmbedAllSources"));
        Assert.StartsWith("MIT License\n\nCopyright (c) 2026 The Backprop authors\n", File.ReadAllText(Path.Combine(Root, "LICENSE")));

        // No project sets a version of its own.
        foreach (string csproj in Directory.GetFiles(Root, "*.csproj", SearchOption.AllDirectories)
                     .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            Assert.DoesNotMatch(new Regex("<(Version|PackageVersion|VersionPrefix)>"), File.ReadAllText(csproj));
    }
}
