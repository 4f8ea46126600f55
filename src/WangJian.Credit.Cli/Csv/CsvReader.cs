using System.Text;

namespace WangJian.Credit.Cli.Csv;

/// <summary>One CSV record: the line it starts on (1-based), its fields, and what was wrong with it, if anything.</summary>
public sealed record CsvRecord(long Line, IReadOnlyList<string> Fields, string? Error = null);

/// <summary>
/// An RFC 4180 reader: fields separated by commas, records by CRLF, LF or CR; a field in double quotes may
/// hold commas, line breaks and doubled quotes (<c>""</c>). Lenient where the RFC is silent: a quote inside
/// an unquoted field is kept as is, and empty lines are skipped. A quoted field followed by anything but a
/// comma or line break, or never closed, makes the record carry an <see cref="CsvRecord.Error"/>.
/// </summary>
public sealed class CsvReader(TextReader reader)
{
    private readonly StringBuilder field = new();
    private long line = 1;

    public CsvRecord? Read()
    {
        while (true)
        {
            var record = ReadRecord();
            if (record is null)
            {
                return null;
            }

            // An empty line is one empty field: nothing to import, and not worth an error.
            if (record.Error is null && record.Fields.Count == 1 && record.Fields[0].Length == 0)
            {
                continue;
            }

            return record;
        }
    }

    public IEnumerable<CsvRecord> ReadAll()
    {
        while (Read() is { } record)
        {
            yield return record;
        }
    }

    private CsvRecord? ReadRecord()
    {
        if (reader.Peek() < 0)
        {
            return null;
        }

        var start = line;
        var fields = new List<string>();
        string? error = null;
        field.Clear();
        var quoted = false;
        var afterClosingQuote = false;
        var atFieldStart = true;

        while (true)
        {
            var c = reader.Read();
            if (quoted)
            {
                if (c < 0)
                {
                    error ??= $"a quoted field opened on line {start} is never closed";
                    fields.Add(field.ToString());
                    return new CsvRecord(start, fields, error);
                }

                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        quoted = false;
                        afterClosingQuote = true;
                    }

                    continue;
                }

                if (c == '\r' || c == '\n')
                {
                    ConsumeLineBreak(c);
                    field.Append('\n');
                    continue;
                }

                field.Append((char)c);
                continue;
            }

            if (c < 0 || c == '\r' || c == '\n')
            {
                if (c >= 0)
                {
                    ConsumeLineBreak(c);
                }

                fields.Add(field.ToString());
                return new CsvRecord(start, fields, error);
            }

            if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
                atFieldStart = true;
                afterClosingQuote = false;
                continue;
            }

            if (c == '"' && atFieldStart)
            {
                quoted = true;
                atFieldStart = false;
                continue;
            }

            if (afterClosingQuote)
            {
                error ??= $"field {fields.Count + 1}: text after the closing quote (write a quote inside a quoted field as \"\")";
            }

            atFieldStart = false;
            field.Append((char)c);
        }
    }

    /// <summary>Counts one line for CRLF, LF or a lone CR.</summary>
    private void ConsumeLineBreak(int c)
    {
        if (c == '\r' && reader.Peek() == '\n')
        {
            reader.Read();
        }

        line++;
    }
}
