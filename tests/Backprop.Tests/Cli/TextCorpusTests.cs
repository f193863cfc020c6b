using Backprop.Cli.Text;
using Backprop.Data;

namespace Backprop.Tests.Cli;

// The character-level corpus of `train --data text:PATH`: vocabulary, 90/10 split, and one-line errors for bad files.
public sealed class TextCorpusTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "backprop-text-" + Guid.NewGuid().ToString("N"));

    public TextCorpusTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void VocabularyIsSortedByCodePointAndRoundTrips()
    {
        var corpus = TextCorpus.FromText("baca\u00e9 \U0001F600b");  // é, and an emoji outside the BMP: one token
        var v = corpus.Vocabulary;
        Assert.Equal(" abcé\U0001F600", v.ToString());
        Assert.Equal([2, 1, 3, 1, 4, 0, 5, 2], corpus.Tokens);
        Assert.Equal(v.ToString(), CharacterVocabulary.Parse(v.ToString()).ToString());
        Assert.Equal("\U0001F600", v.Decode(5));
    }

    [Fact]
    public void SplitIsNinetyTen()
    {
        var corpus = TextCorpus.FromText(new string('x', 95));
        Assert.Equal(85, corpus.TrainCount);   // floor(0.9 · 95) = 85
        Assert.Equal(10, corpus.Validation.Length);
    }

    [Fact]
    public void EncodeNamesACharacterOutsideTheVocabulary()
    {
        var v = CharacterVocabulary.Of("abc");
        var e = Assert.Throws<ArgumentException>(() => v.Encode("abz"));
        Assert.Equal("character 'z' (U+007A) at position 2 is not in the model's vocabulary of 3 characters", e.Message);
    }

    [Fact]
    public void EmptyFileIsOneClearError()
    {
        var e = Assert.Throws<DataFormatException>(() => TextCorpus.Load(Write("empty.txt", [])));
        Assert.Contains("the text is empty", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void InvalidUtf8NamesTheByteAndOffset()
    {
        var e = Assert.Throws<DataFormatException>(() => TextCorpus.Load(Write("latin1.txt", [(byte)'a', (byte)'b', 0xE9, (byte)'c'])));
        Assert.EndsWith("not UTF-8 text: byte 0xE9 at offset 2 does not form a character", e.Message);
    }

    [Fact]
    public void GzipIsRecognisedByItsMagic()
    {
        using var buffer = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            gz.Write("hello world, hello moon"u8);
        Assert.Equal("hello world, hello moon", TextCorpus.ReadText(Write("renamed.txt", buffer.ToArray())));
    }

    [Fact]
    public void TooShortForTheBlockIsOneClearError()
    {
        var e = Assert.Throws<DataFormatException>(() => TextCorpus.Load(Write("short.txt", "abcdefghijklmnopqrst"u8.ToArray()), minimumSplitLength: 8));
        Assert.Contains("too few", e.Message);
    }
}
