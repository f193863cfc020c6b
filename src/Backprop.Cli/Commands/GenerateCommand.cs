using Backprop.Cli.Models;

namespace Backprop.Cli.Commands;

/// <summary>`backprop generate`: samples text from a character-level GPT checkpoint, streaming it as it is drawn.</summary>
public sealed class GenerateCommand : ICommand
{
    public string Name => "generate";
    public string Summary => "sample text from a GPT checkpoint (train --data text:FILE --model gpt)";
    public string Description => "Continues the prompt one character at a time: each step runs the model on the last block characters, divides the last position's logits by the temperature, keeps the top-k, and draws from their softmax. The prompt and the sampled characters are written to stdout as they come.";
    public PositionalSpec? Positional { get; } = new("CHECKPOINT", "a model.safetensors written by backprop train --data text:FILE --model gpt", 1);
    public IReadOnlyList<OptionSpec> Options { get; } =
    [
        new("prompt", "TEXT", "the text to continue (default a newline); every character must be in the model's vocabulary. Only the last block characters are seen: a longer prompt is printed whole but cropped to its last block characters as context, as nanoGPT does"),
        new("tokens", "N", "characters to sample (default 300)"),
        new("temperature", "X", "divides the logits: below 1 is more conservative, above 1 more varied (default 0.8; greater than 0)"),
        new("top-k", "K", "sample among the K likeliest characters only (default 20; 0 for all)"),
        new("seed", "N", "the sampling generator's seed (default 1337); the same checkpoint, prompt and seed give the same text"),
    ];
    public string Epilogue => """
        Example: backprop generate runs/moby/model.safetensors --prompt "Call me" --tokens 300 --temperature 0.8 --top-k 20
        Ctrl+C (SIGTERM) stops after the current character with exit code 130 (143).

        """;

    public int Run(Arguments args, CommandContext context)
    {
        string prompt = args.Text("prompt") ?? "\n";
        int tokens = args.Int("tokens", 300, 0, 1_000_000);
        double temperature = args.Double("temperature", 0.8, positive: true, max: 1e6);
        int topK = args.Int("top-k", 20, 0);
        int seed = args.Int("seed", 1337, 0);
        args.CheckPositionalCount(1);
        if (args.Positional.Count == 0) throw new UsageException("a checkpoint file is needed: backprop generate CHECKPOINT --prompt TEXT");
        if (prompt.Length == 0) throw new UsageException("--prompt needs at least one character (the model continues a text)");

        var (model, vocabulary) = GptCheckpoint.Load(args.Positional[0]);
        int[] promptTokens;
        try { promptTokens = vocabulary.Encode(prompt); }
        catch (ArgumentException e) { throw new CommandFailedException($"--prompt: {e.Message}", ExitCodes.Failure); }
        int block = model.Config.BlockSize, k = topK == 0 ? vocabulary.Count : Math.Min(topK, vocabulary.Count);

        var generator = new Generator((ulong)seed);
        var sequence = new List<int>(promptTokens);
        context.Out.Write(prompt);
        context.Out.Flush();
        using var noGrad = Autograd.NoGrad();
        for (int i = 0; i < tokens; i++)
        {
            if (context.Cancellation.IsCancellationRequested)
            {
                context.Out.WriteLine();
                context.Out.Flush();
                return context.InterruptedExitCode();
            }
            int next;
            using (TensorScope.Begin())
            {
                int start = Math.Max(0, sequence.Count - block), length = sequence.Count - start;
                var window = Tensor.FromArray(sequence.GetRange(start, length).ToArray(), 1, length);
                var logits = model.Forward(window).Narrow(1, length - 1, 1).Reshape(-1) / temperature;
                var (top, indices) = logits.TopK(k);
                int pick = top.Softmax().Multinomial(1, generator: generator).AsSpan<int>()[0];
                next = indices.AsSpan<int>()[pick];
            }
            sequence.Add(next);
            context.Out.Write(vocabulary.Decode(next));
            context.Out.Flush();
        }
        context.Out.WriteLine();
        context.Out.Flush();
        return ExitCodes.Ok;
    }
}
