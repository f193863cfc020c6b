using System.Text.RegularExpressions;

namespace Backprop.Tests.Player;

/// <summary>
/// The players under docs/players are what the code makes now. <c>tools/make-players.sh</c> (which runs this class with
/// <c>BACKPROP_UPDATE_PLAYERS=1</c>) rewrites them instead of comparing.
/// </summary>
public partial class PlayerFilesTests
{
    private static bool Updating => Environment.GetEnvironmentVariable("BACKPROP_UPDATE_PLAYERS") == "1";

    public static TheoryData<string> ProgramPlayers => [.. PlayerExamples.All.Select(e => e.File).Where(f => f != "digits-two-layer.html")];

    [Theory]
    [MemberData(nameof(ProgramPlayers))]
    public void ProgramPlayerIsCurrent(string file)
    {
        string made = PlayerExamples.Named(file).Make().ToHtml();
        string path = Path.Combine(RepositoryFiles.Root, "docs", "players", file);
        if (Updating) File.WriteAllText(path, made);
        Assert.True(File.Exists(path), $"docs/players/{file} is missing: run tools/make-players.sh");
        Assert.True(File.ReadAllText(path) == made, $"docs/players/{file} is stale: run tools/make-players.sh");
    }

    // The network's numbers come from float64 matrix products whose last bits may differ between instruction sets, so
    // the committed page is compared by its structure (every node, in order) and its script, not byte for byte.
    [Fact]
    public void DigitNetworkPlayerIsCurrent()
    {
        string made = PlayerExamples.DigitNetwork().ToHtml();
        string path = Path.Combine(RepositoryFiles.Root, "docs", "players", "digits-two-layer.html");
        if (Updating) File.WriteAllText(path, made);
        string committed = File.ReadAllText(path);
        Assert.Equal(Structure(made), Structure(committed));
        Assert.Equal(made[made.IndexOf("<script>", StringComparison.Ordinal)..], committed[committed.IndexOf("<script>", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void TutorialLinksEveryPlayer()
    {
        string tutorial = File.ReadAllText(RepositoryFiles.Path("docs/tutorial.md"));
        foreach (var example in PlayerExamples.All)
            Assert.Contains($"(players/{example.File})", tutorial);
    }

    private static string Structure(string html) =>
        string.Join("\n", LabelAndOperator().Matches(html).Select(m => m.Value));

    [GeneratedRegex("\"label\":\"[^\"]*\",\"op\":\"[^\"]*\",\"kind\":\"[^\"]*\",\"module\":(null|\"[^\"]*\")")]
    private static partial Regex LabelAndOperator();
}
