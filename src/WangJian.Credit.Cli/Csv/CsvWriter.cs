using System.Text;

namespace WangJian.Credit.Cli.Csv;

/// <summary>Writes RFC 4180 records (LF line ends), quoting only the fields that need it.</summary>
public sealed class CsvWriter(TextWriter writer)
{
    public void WriteRecord(IEnumerable<string> fields)
    {
        var first = true;
        foreach (var f in fields)
        {
            if (!first)
            {
                writer.Write(',');
            }

            writer.Write(Quote(f));
            first = false;
        }

        writer.Write('\n');
    }

    public static string Quote(string field)
    {
        if (field.IndexOfAny([',', '"', '\r', '\n']) < 0 && field.Trim().Length == field.Length)
        {
            return field;
        }

        var sb = new StringBuilder(field.Length + 2);
        sb.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        return sb.ToString();
    }
}
