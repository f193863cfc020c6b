using System.Text;

namespace Backprop.Teaching.Player;

/// <summary>
/// A computation as the player shows it: every value in forward (topological) order with its value and gradient,
/// and the engine's backward pass step by step — what each gate received, what it handed to each input, where
/// gradients were summed and where they were reduced over broadcast axes. Made from any computation on the engine by
/// <see cref="Explain.Record(Func{Tensor}, RecordOptions?)"/>, from an explained program by
/// <see cref="Explain.Program"/>, from a solve by <see cref="Explain.Solve"/>; written as one self-contained HTML file
/// by <see cref="WriteHtml"/>.
/// </summary>
public sealed class Recording
{
    internal Recording(string title, string? subtitle, IReadOnlyList<RecordedNode> nodes, int output,
        IReadOnlyList<RecordedStep> backward, IReadOnlyList<string> unusedInputs, SolveRecording? solve = null)
    {
        Title = title;
        Subtitle = subtitle;
        Nodes = nodes;
        Output = output;
        Backward = backward;
        UnusedInputs = unusedInputs;
        Solve = solve;
        for (int i = 0; i < nodes.Count; i++)
            if (nodes[i].Id != i) throw new ArgumentException($"internal: node {i} has id {nodes[i].Id}; ids are forward positions");
    }

    /// <summary>What the page is headed with: the program, or what the caller named the computation.</summary>
    public string Title { get; }

    /// <summary>A second line (the input values), or null.</summary>
    public string? Subtitle { get; }

    /// <summary>Every value, in the order the forward pass computed them (inputs before the gates that read them).</summary>
    public IReadOnlyList<RecordedNode> Nodes { get; }

    /// <summary>The id of the output (the loss).</summary>
    public int Output { get; }

    /// <summary>The backward pass in the engine's order, from the output; one step per gate and one per leaf that got a gradient.</summary>
    public IReadOnlyList<RecordedStep> Backward { get; }

    /// <summary>Inputs the computation reads but the output does not depend on: their gradient is 0, and the player says so.</summary>
    public IReadOnlyList<string> UnusedInputs { get; }

    /// <summary>For a solve: its points, each with every node's value and gradient; null for a single pass.</summary>
    public SolveRecording? Solve { get; }

    /// <summary>The node called <paramref name="label"/>, or null.</summary>
    public RecordedNode? Node(string label) => Nodes.FirstOrDefault(n => n.Label == label);

    /// <summary>The player: one HTML file with everything inlined (no scripts, styles or fonts from elsewhere).</summary>
    public string ToHtml() => PlayerHtml.Render(this);

    /// <summary>Writes <see cref="ToHtml"/> to <paramref name="path"/> (UTF-8).</summary>
    public void WriteHtml(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToHtml(), new UTF8Encoding(false));
    }
}
