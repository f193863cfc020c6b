using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Backprop.Serialization;

/// <summary>
/// Reads and writes the safetensors format (as used by Hugging Face and PyTorch): named tensors of raw little-endian
/// data plus string metadata. An instance is the parsed contents of one file.
/// </summary>
/// <remarks>
/// <para>
/// Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON — an object mapping each tensor
/// name to <c>{"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}</c>, plus an optional
/// <c>"__metadata__"</c> object of string values; then the data buffer. Offsets are relative to the start of the
/// buffer; end is exclusive.
/// </para>
/// <para>
/// Writing: tensors are written sorted by name (ordinal), as the format's reference implementation does, stored
/// contiguously in that order; metadata keys are sorted too, so equal contents give byte-identical files. The header
/// is padded with spaces so that N, and hence the start of the data, is a multiple of 8. Writes to a path are atomic
/// (<see cref="AtomicFile"/>).
/// </para>
/// <para>
/// Reading validates everything and throws <see cref="SafeTensorsFormatException"/> naming the source and the
/// problem. Entries keep the order of the header. Gaps between tensors' byte ranges are tolerated; overlaps are not.
/// The whole file is read into memory (so files are limited to 2 GB).
/// </para>
/// </remarks>
public sealed class SafeTensorsFile
{
    /// <summary>The header key of the metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The largest header accepted on reading (the reference implementation's limit), against corrupt length fields.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private readonly Dictionary<string, SafeTensorsEntry> _byName;

    private SafeTensorsFile(List<SafeTensorsEntry> entries, Dictionary<string, string> metadata, ReadOnlyMemory<byte> dataSection)
    {
        Entries = entries;
        Metadata = metadata;
        DataSection = dataSection;
        _byName = entries.ToDictionary(entry => entry.Name, StringComparer.Ordinal);
    }

    /// <summary>The tensors, in the order of the file's header.</summary>
    public IReadOnlyList<SafeTensorsEntry> Entries { get; }

    /// <summary>The "__metadata__" strings (empty if the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Every byte after the header: the tensors' data as stored (for files this class wrote, the entries sorted by
    /// name, back to back). Checksums are taken over it.
    /// </summary>
    public ReadOnlyMemory<byte> DataSection { get; }

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor (the message lists the names there are).</exception>
    public SafeTensorsEntry this[string name] => _byName.TryGetValue(name, out SafeTensorsEntry? entry)
        ? entry
        : throw new KeyNotFoundException($"There is no tensor named '{name}'; the file has {Entries.Count}: {string.Join(", ", Entries.Select(e => e.Name))}.");

    /// <summary>Looks up a tensor by name.</summary>
    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out SafeTensorsEntry entry) => _byName.TryGetValue(name, out entry);

    /// <summary>
    /// Reads and validates the file at <paramref name="path"/>. Only regular files are read, and never more bytes
    /// than the file system says the file has, so a device such as /dev/zero or a pipe is refused instead of read
    /// without end.
    /// </summary>
    /// <exception cref="SafeTensorsFormatException">The file is malformed, or is not a regular file.</exception>
    /// <exception cref="IOException">The file cannot be read (e.g. <see cref="FileNotFoundException"/>).</exception>
    public static SafeTensorsFile Read(string path) => Parse(ReadRegularFile(path), path);

    private static byte[] ReadRegularFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        long length;
        try
        {
            length = stream.Length;
        }
        catch (NotSupportedException)
        {
            throw new SafeTensorsFormatException($"{path}: not a regular file (it has no size; a pipe or a device?).");
        }
        if (length > Array.MaxLength)
        {
            throw new SafeTensorsFormatException($"{path}: the file has {length} bytes; at most {Array.MaxLength} can be read.");
        }
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        // A device reports a size of 0 (or any size) and then keeps producing bytes: more data than the size is not a file.
        Span<byte> probe = stackalloc byte[1];
        if (stream.Read(probe) != 0)
        {
            throw new SafeTensorsFormatException($"{path}: not a regular file (it yields more than its size of {length} bytes; a device?).");
        }
        return bytes;
    }

    /// <summary>Parses and validates safetensors bytes; <paramref name="sourceName"/> is used in messages. Entries share <paramref name="bytes"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The bytes are malformed.</exception>
    public static SafeTensorsFile Parse(ReadOnlyMemory<byte> bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (bytes.Length < 8)
        {
            throw new SafeTensorsFormatException($"{sourceName}: the file has {bytes.Length} bytes, too few for the 8-byte header length.");
        }
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes.Span);
        if (headerLength > MaxHeaderLength || headerLength > (ulong)(bytes.Length - 8))
        {
            throw new SafeTensorsFormatException(
                $"{sourceName}: the header length (bytes 0..7) is {headerLength}, but the file has only {bytes.Length - 8} bytes after it{(headerLength > MaxHeaderLength ? $" (and the limit is {MaxHeaderLength})" : "")}.");
        }
        int dataStart = 8 + (int)headerLength;
        ReadOnlyMemory<byte> buffer = bytes[dataStart..];

        if (!System.Text.Unicode.Utf8.IsValid(bytes.Span[8..dataStart]))
        {
            // The JSON reader leaves invalid UTF-8 inside strings to fail later, when a name is read; refuse it here.
            throw new SafeTensorsFormatException($"{sourceName}: the header (bytes 8..{dataStart - 1}) is not valid UTF-8 text.");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes[8..dataStart]);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException($"{sourceName}: the header (bytes 8..{dataStart - 1}) is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException($"{sourceName}: the header must be a JSON object, but is {document.RootElement.ValueKind}.");
            }
            var entries = new List<SafeTensorsEntry>();
            var ranges = new List<(long Begin, long End, string Name)>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new SafeTensorsFormatException($"{sourceName}: the header has the key '{property.Name}' twice.");
                }
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, sourceName);
                    continue;
                }
                (SafeTensorsEntry entry, long begin, long end) = ReadEntry(property, buffer, sourceName);
                entries.Add(entry);
                ranges.Add((begin, end, entry.Name));
            }
            CheckNoOverlap(ranges, sourceName);
            return new SafeTensorsFile(entries, metadata, buffer);
        }
    }

    /// <summary>Writes a safetensors file atomically (see <see cref="AtomicFile"/>).</summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="entries">The tensors; names must be unique.</param>
    /// <param name="metadata">Optional string metadata, written as "__metadata__" when not empty.</param>
    /// <exception cref="ArgumentException">Two entries have the same name.</exception>
    public static void Write(string path, IEnumerable<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        List<SafeTensorsEntry> sorted = SortedUnique(entries);
        byte[] header = EncodeHeader(sorted, metadata);
        AtomicFile.Write(path, stream => WriteSorted(stream, header, sorted));
    }

    /// <summary>Writes safetensors bytes to <paramref name="destination"/> (not atomic: prefer the path overload for files).</summary>
    /// <exception cref="ArgumentException">Two entries have the same name.</exception>
    public static void Write(Stream destination, IEnumerable<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(entries);
        List<SafeTensorsEntry> sorted = SortedUnique(entries);
        WriteSorted(destination, EncodeHeader(sorted, metadata), sorted);
    }

    /// <summary>The complete safetensors bytes for the given tensors and metadata.</summary>
    /// <exception cref="ArgumentException">Two entries have the same name.</exception>
    public static byte[] Serialize(IEnumerable<SafeTensorsEntry> entries, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var memory = new MemoryStream();
        Write(memory, entries, metadata);
        return memory.ToArray();
    }

    private static List<SafeTensorsEntry> SortedUnique(IEnumerable<SafeTensorsEntry> entries)
    {
        List<SafeTensorsEntry> sorted = entries.OrderBy(entry => entry.Name, StringComparer.Ordinal).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Name == sorted[i - 1].Name)
            {
                throw new ArgumentException($"Two tensors are named '{sorted[i].Name}'; names must be unique.", nameof(entries));
            }
        }
        return sorted;
    }

    /// <summary>The 8-byte length and the JSON header, padded with spaces to a multiple of 8 bytes.</summary>
    private static byte[] EncodeHeader(List<SafeTensorsEntry> sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        // Relaxed escaping keeps names such as "a+b" readable; the output is still plain, valid JSON.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(MetadataKey);
                foreach (KeyValuePair<string, string> pair in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(pair.Key, pair.Value);
                }
                writer.WriteEndObject();
            }
            long offset = 0;
            foreach (SafeTensorsEntry entry in sorted)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", entry.DType);
                writer.WriteStartArray("shape");
                foreach (int dimension in entry.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + entry.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += entry.Data.Length;
            }
            writer.WriteEndObject();
        }

        int paddedLength = (json.WrittenCount + 7) / 8 * 8;
        var header = new byte[8 + paddedLength];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)paddedLength);
        json.WrittenSpan.CopyTo(header.AsSpan(8));
        header.AsSpan(8 + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void WriteSorted(Stream destination, byte[] header, List<SafeTensorsEntry> sorted)
    {
        destination.Write(header);
        foreach (SafeTensorsEntry entry in sorted)
        {
            destination.Write(entry.Data.Span);
        }
    }

    private static void ReadMetadata(JsonElement element, Dictionary<string, string> metadata, string sourceName)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException($"{sourceName}: '{MetadataKey}' must be an object of strings, but is {element.ValueKind}.");
        }
        foreach (JsonProperty item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsFormatException($"{sourceName}: '{MetadataKey}' entry '{item.Name}' must be a string, but is {item.Value.ValueKind}.");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new SafeTensorsFormatException($"{sourceName}: '{MetadataKey}' has the key '{item.Name}' twice.");
            }
        }
    }

    private static (SafeTensorsEntry Entry, long Begin, long End) ReadEntry(JsonProperty property, ReadOnlyMemory<byte> buffer, string sourceName)
    {
        string name = property.Name;
        string where = $"{sourceName}: tensor '{name}'";
        JsonElement info = property.Value;
        if (info.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsFormatException($"{where}: expected an object with dtype, shape and data_offsets, found {info.ValueKind}.");
        }
        if (name.Length == 0)
        {
            throw new SafeTensorsFormatException($"{sourceName}: a tensor has an empty name.");
        }

        if (!info.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafeTensorsFormatException($"{where}: 'dtype' is missing or not a string.");
        }
        string dtype = dtypeElement.GetString()!;
        int elementSize = SafeTensorsDType.SizeOf(dtype);
        if (elementSize == 0)
        {
            throw new SafeTensorsFormatException($"{where}: unknown dtype '{dtype}'.");
        }

        long[] shapeValues = ReadIntegerArray(info, "shape", where, expectedLength: null);
        var shape = new int[shapeValues.Length];
        long elementCount = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shapeValues[i] > int.MaxValue)
            {
                throw new SafeTensorsFormatException($"{where}: dimension {i} is {shapeValues[i]}, larger than {int.MaxValue}.");
            }
            shape[i] = (int)shapeValues[i];
            elementCount = elementCount == 0 || shape[i] == 0 ? 0
                : elementCount > long.MaxValue / shape[i] / elementSize ? throw new SafeTensorsFormatException($"{where}: shape [{string.Join(", ", shapeValues)}] is too large.")
                : elementCount * shape[i];
        }

        long[] offsets = ReadIntegerArray(info, "data_offsets", where, expectedLength: 2);
        (long begin, long end) = (offsets[0], offsets[1]);
        if (begin > end || end > buffer.Length)
        {
            throw new SafeTensorsFormatException(
                $"{where}: data_offsets [{begin}, {end}] are out of range: the data buffer has {buffer.Length} bytes and begin must not exceed end.");
        }
        if (end - begin != elementCount * elementSize)
        {
            throw new SafeTensorsFormatException(
                $"{where}: data_offsets [{begin}, {end}] cover {end - begin} bytes, but dtype {dtype} with shape [{string.Join(", ", shape)}] needs {elementCount * elementSize}.");
        }
        return (new SafeTensorsEntry(name, dtype, shape, buffer[(int)begin..(int)end]), begin, end);
    }

    private static long[] ReadIntegerArray(JsonElement info, string key, string where, int? expectedLength)
    {
        if (!info.TryGetProperty(key, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsFormatException($"{where}: '{key}' is missing or not an array.");
        }
        if (expectedLength is int length && array.GetArrayLength() != length)
        {
            throw new SafeTensorsFormatException($"{where}: '{key}' must have {length} numbers, but has {array.GetArrayLength()}.");
        }
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long value) || value < 0)
            {
                throw new SafeTensorsFormatException($"{where}: '{key}' element {i} is {item.GetRawText()}, not a non-negative integer.");
            }
            values[i++] = value;
        }
        return values;
    }

    private static void CheckNoOverlap(List<(long Begin, long End, string Name)> ranges, string sourceName)
    {
        // Empty tensors occupy no bytes, so they cannot overlap anything.
        var occupied = ranges.Where(range => range.End > range.Begin).OrderBy(range => range.Begin).ToList();
        for (int i = 1; i < occupied.Count; i++)
        {
            if (occupied[i].Begin < occupied[i - 1].End)
            {
                throw new SafeTensorsFormatException(
                    $"{sourceName}: the data of tensors '{occupied[i - 1].Name}' [{occupied[i - 1].Begin}, {occupied[i - 1].End}] and '{occupied[i].Name}' [{occupied[i].Begin}, {occupied[i].End}] overlap.");
            }
        }
    }
}
