using System.Text;

namespace Backprop.Cli.Text;

/// <summary>
/// A character-level vocabulary: the distinct characters (Unicode code points) of a text, sorted by code point; a
/// character's token is its position in that order (nanoGPT's <c>sorted(set(text))</c>, and ../shared/bench/GPT.md's
/// section 1). Characters outside the BMP are one token each, as Python's <c>str</c> counts them.
/// </summary>
public sealed class CharacterVocabulary
{
    private readonly int[] _codePoints;
    private readonly Dictionary<int, int> _tokens;
    private readonly string[] _strings;

    private CharacterVocabulary(int[] sortedCodePoints)
    {
        _codePoints = sortedCodePoints;
        _tokens = new Dictionary<int, int>(sortedCodePoints.Length);
        for (int i = 0; i < sortedCodePoints.Length; i++) _tokens.Add(sortedCodePoints[i], i);
        _strings = [.. sortedCodePoints.Select(char.ConvertFromUtf32)];
    }

    /// <summary>The vocabulary of <paramref name="text"/>: every distinct character, sorted by code point.</summary>
    public static CharacterVocabulary Of(string text)
    {
        var distinct = new HashSet<int>();
        foreach (var rune in text.EnumerateRunes()) distinct.Add(rune.Value);
        var sorted = distinct.ToArray();
        Array.Sort(sorted);
        return new CharacterVocabulary(sorted);
    }

    /// <summary>
    /// The vocabulary whose characters, in token order, are <paramref name="characters"/> (what <see cref="ToString"/>
    /// wrote into a checkpoint). Throws <see cref="InvalidDataException"/> if they are not distinct and sorted.
    /// </summary>
    public static CharacterVocabulary Parse(string characters)
    {
        var codePoints = characters.EnumerateRunes().Select(r => r.Value).ToArray();
        if (codePoints.Length == 0) throw new InvalidDataException("the vocabulary is empty");
        for (int i = 1; i < codePoints.Length; i++)
            if (codePoints[i] <= codePoints[i - 1])
                throw new InvalidDataException($"the vocabulary is not sorted and distinct at character {i} (U+{codePoints[i]:X4})");
        return new CharacterVocabulary(codePoints);
    }

    /// <summary>How many tokens there are.</summary>
    public int Count => _codePoints.Length;

    /// <summary>The token of a code point, or −1 if the vocabulary lacks it.</summary>
    public int TokenOf(int codePoint) => _tokens.TryGetValue(codePoint, out int token) ? token : -1;

    /// <summary>The character of <paramref name="token"/> as a string (two UTF-16 units outside the BMP).</summary>
    public string Decode(int token) => _strings[token];

    /// <summary>The tokens of <paramref name="text"/>; a character outside the vocabulary throws <see cref="ArgumentException"/> naming it and its position.</summary>
    public int[] Encode(string text)
    {
        var tokens = new List<int>(text.Length);
        int position = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            int token = TokenOf(rune.Value);
            if (token < 0)
                throw new ArgumentException(
                    $"character {Describe(rune)} at position {position} is not in the model's vocabulary of {Count} characters");
            tokens.Add(token);
            position++;
        }
        return [.. tokens];
    }

    /// <summary>All the characters in token order, as one string (how checkpoints store the vocabulary).</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var s in _strings) text.Append(s);
        return text.ToString();
    }

    /// <summary>A character as a message shows it: 'x' (U+0078), or the code alone for control and space characters.</summary>
    public static string Describe(Rune rune) =>
        Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) ? $"U+{rune.Value:X4}" : $"'{rune}' (U+{rune.Value:X4})";
}
