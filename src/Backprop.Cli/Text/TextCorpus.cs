using System.IO.Compression;
using Backprop.Data;

namespace Backprop.Cli.Text;

/// <summary>
/// A text for a character-level language model: its characters as tokens of its own <see cref="CharacterVocabulary"/>,
/// split 90/10 into training and validation tokens (the first <c>floor(0.9·n)</c> characters train), as nanoGPT's
/// <c>shakespeare_char</c> and ../shared/bench/GPT.md do.
/// </summary>
public sealed class TextCorpus
{
    private TextCorpus(CharacterVocabulary vocabulary, int[] tokens)
    {
        Vocabulary = vocabulary;
        Tokens = tokens;
        TrainCount = (int)(0.9 * tokens.Length);
    }

    /// <summary>The vocabulary of the whole text.</summary>
    public CharacterVocabulary Vocabulary { get; }

    /// <summary>Every character's token, in order.</summary>
    public int[] Tokens { get; }

    /// <summary>How many tokens train: floor(0.9 · length).</summary>
    public int TrainCount { get; }

    /// <summary>The training tokens, [0, TrainCount).</summary>
    public ReadOnlyMemory<int> Train => Tokens.AsMemory(0, TrainCount);

    /// <summary>The validation tokens, [TrainCount, length).</summary>
    public ReadOnlyMemory<int> Validation => Tokens.AsMemory(TrainCount);

    /// <summary>The corpus of <paramref name="text"/>.</summary>
    public static TextCorpus FromText(string text)
    {
        var vocabulary = CharacterVocabulary.Of(text);
        var tokens = new List<int>(text.Length);
        foreach (var rune in text.EnumerateRunes()) tokens.Add(vocabulary.TokenOf(rune.Value));
        return new TextCorpus(vocabulary, [.. tokens]);
    }

    /// <summary>
    /// Reads a UTF-8 text file, gzip-compressed or not (recognised by its magic bytes, not its name). Throws
    /// <see cref="DataFormatException"/> with one line for a missing, empty or non-UTF-8 file, or one too short to
    /// hold a training and a validation window of <paramref name="minimumSplitLength"/> + 1 characters.
    /// </summary>
    public static TextCorpus Load(string path, int minimumSplitLength = 1)
    {
        var text = ReadText(path);
        if (text.Length == 0) throw new DataFormatException($"{path}: the text is empty (a character-level model needs some characters to learn)");
        var corpus = FromText(text);
        int validation = corpus.Tokens.Length - corpus.TrainCount;
        if (corpus.TrainCount <= minimumSplitLength || validation <= minimumSplitLength)
            throw new DataFormatException(
                $"{path}: {corpus.Tokens.Length} characters are too few: the 90/10 split gives {corpus.TrainCount} and {validation}, and each part needs more than the block of {minimumSplitLength}");
        return corpus;
    }

    /// <summary>The decoded text of a UTF-8 file (gzip recognised by its magic bytes); strict: invalid bytes throw <see cref="DataFormatException"/>.</summary>
    public static string ReadText(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException($"{path}: file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException($"{path}: cannot read the file: {e.Message}", e);
        }
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            try
            {
                using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                gzip.CopyTo(plain);
                bytes = plain.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new DataFormatException($"{path}: the gzip data is damaged: {e.Message}", e);
            }
        }
        int start = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;  // a byte-order mark is not text
        var source = bytes.AsSpan(start);
        var chars = new char[source.Length];  // UTF-16 never needs more units than UTF-8 has bytes
        var status = System.Text.Unicode.Utf8.ToUtf16(source, chars, out int read, out int written, replaceInvalidSequences: false);
        if (status != System.Buffers.OperationStatus.Done)
            throw new DataFormatException(
                $"{path}: not UTF-8 text: byte 0x{source[read]:X2} at offset {start + read} does not {(status == System.Buffers.OperationStatus.NeedMoreData ? "complete the last character" : "form a character")}");
        return new string(chars, 0, written);
    }
}
