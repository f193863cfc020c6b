using System.Text.Json;
using Backprop.Cli.Text;
using Backprop.Serialization;

namespace Backprop.Cli.Models;

/// <summary>A GPT and its vocabulary rebuilt from a checkpoint that `train --data text:... --model gpt` wrote.</summary>
public sealed record GptCheckpoint(Gpt Model, CharacterVocabulary Vocabulary)
{
    /// <summary>
    /// Reads <paramref name="path"/>; a missing file, a checkpoint of another model, or a config without a usable model
    /// spec or vocabulary throws <see cref="CommandFailedException"/> with one line.
    /// </summary>
    public static GptCheckpoint Load(string path)
    {
        string source = $"checkpoint '{path}'";
        if (!File.Exists(path)) throw new CommandFailedException($"{source} does not exist", ExitCodes.Failure);
        var checkpoint = UserErrors.AtCall(() => Checkpoint.Read(path));
        string NotGpt() => checkpoint.Metadata.ModelSpec is { } spec
            ? $"{source} holds a {spec} model, not a GPT; generate samples from a checkpoint of `backprop train --data text:FILE --model gpt`"
            : $"{source} is not a GPT checkpoint (its training config names no gpt model and vocabulary); generate samples from a checkpoint of `backprop train --data text:FILE --model gpt`";
        if (checkpoint.Metadata.TrainingConfigJson is not { } configText) throw new CommandFailedException(NotGpt(), ExitCodes.Failure);
        JsonElement config;
        try { config = JsonDocument.Parse(configText).RootElement.Clone(); }
        catch (JsonException) { throw new CommandFailedException(NotGpt(), ExitCodes.Failure); }
        if (config.ValueKind != JsonValueKind.Object
            || !config.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String || !GptSpec.Names(model.GetString())
            || !config.TryGetProperty("vocabulary", out var vocabularyText) || vocabularyText.ValueKind != JsonValueKind.String)
            throw new CommandFailedException(NotGpt(), ExitCodes.Failure);
        CharacterVocabulary vocabulary;
        GptConfig shape;
        try
        {
            vocabulary = CharacterVocabulary.Parse(vocabularyText.GetString()!);
            shape = GptSpec.Parse(model.GetString()!, vocabulary.Count);
        }
        catch (Exception e) when (e is InvalidDataException or UsageException)
        {
            throw new CommandFailedException($"{source}: its GPT config is damaged: {e.Message}", ExitCodes.Failure);
        }
        var gpt = new Gpt(shape, new Generator(0));
        UserErrors.AtCall(() => { checkpoint.RestoreModel(gpt, source); return 0; });
        gpt.Eval();
        return new GptCheckpoint(gpt, vocabulary);
    }
}
