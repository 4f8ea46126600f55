using System.Buffers;
using System.Net;
using System.Security.Claims;
using System.Text;

namespace WangJian.Credit.Server.Audit;

/// <summary>
/// The lines of one access-log batch (the format <see cref="AccessEntry.Decode"/> reads: ten tab-separated
/// fields, ids joined by commas, tabs, line breaks and commas in a value stored as spaces) written straight as UTF-8 into
/// one reused buffer, and the day-index fields the batch touches. The writer's cost grows with every call
/// served, so the parts most calls share are formatted once per batch, not once per line: a caller's name and
/// role (per principal object), a status name, a client address (per address object); the fields are
/// gathered without a string per line (an operator's bucket is a number until the batch ends).
/// </summary>
/// <remarks>Not thread-safe: the access log's one writer loop owns it.</remarks>
internal sealed class AccessBatch
{
    /// <summary>The characters a value cannot hold (the line's own separators), stored as spaces.</summary>
    private static readonly SearchValues<char> Separators = SearchValues.Create("\t\n\r,");

    /// <summary><see cref="Separators"/> as UTF-8 bytes.</summary>
    private static readonly SearchValues<byte> SeparatorBytes = SearchValues.Create("\t\n\r,"u8);

    private readonly Dictionary<ClaimsPrincipal, byte[]> callers = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IPAddress, byte[]> addresses = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<int, byte[]> statuses = [];
    private readonly HashSet<string> principals = new(StringComparer.Ordinal);
    private readonly HashSet<int> buckets = [];
    private byte[] buffer = new byte[64 * 1024];
    private int length;

    /// <summary>The encoded lines, separated by <c>\n</c>.</summary>
    public ReadOnlySpan<byte> Lines => buffer.AsSpan(0, length);

    /// <summary>The principals named by the batch's lines (each once).</summary>
    public IReadOnlyCollection<string> Principals => principals;

    /// <summary>The operator buckets named by the batch's lines (each once; see <see cref="AccessLog.OperatorField"/>).</summary>
    public IReadOnlyCollection<int> OperatorBuckets => buckets;

    /// <summary>Starts a new batch (the caches of principals and addresses hold for one batch: bounded memory).</summary>
    public void Clear()
    {
        length = 0;
        if (buffer.Length > 4 << 20)
        {
            // A batch of imports named many thousands of operators: not kept for every later batch.
            buffer = new byte[64 * 1024];
        }

        callers.Clear();
        addresses.Clear();
        principals.Clear();
        buckets.Clear();
    }

    /// <summary>Appends the call's line (after a line break unless it is the first).</summary>
    public void Add(AccessFeature e)
    {
        if (length > 0)
        {
            Byte((byte)'\n');
        }

        Field(e.RequestId);
        Byte((byte)'\t');
        Number(e.EndTicks);
        Byte((byte)'\t');
        if (e.User is { } user)
        {
            if (callers.TryGetValue(user, out var caller))
            {
                Bytes(caller);
            }
            else
            {
                // "name\trole\t", written once per principal and batch and kept for its next lines.
                var at = length;
                Field(user.Identity?.Name);
                Byte((byte)'\t');
                Field(Auth.Principals.Role(user));
                Byte((byte)'\t');
                callers[user] = buffer.AsSpan(at, length - at).ToArray();
                if (user.Identity?.Name is { } name)
                {
                    principals.Add(name);
                }
            }
        }
        else
        {
            Byte((byte)'\t');
            Byte((byte)'\t');
        }

        Field(e.Path.AsSpan(e.Path.Length > 0 ? 1 : 0));
        Byte((byte)'\t');
        if (e.SingleOperator is { } only)
        {
            Field(only);
            buckets.Add(AccessLog.Bucket(only));
        }
        else if (e.ManyOperators is { } many)
        {
            for (var i = 0; i < many.Count; i++)
            {
                if (i > 0)
                {
                    Byte((byte)',');
                }

                Field(many[i]);
                buckets.Add(AccessLog.Bucket(many[i]));
            }
        }

        Byte((byte)'\t');
        Byte(e.Truncated ? (byte)'1' : (byte)'0');
        Byte((byte)'\t');
        if (!statuses.TryGetValue(e.StatusCode, out var status))
        {
            status = Encoding.UTF8.GetBytes(AccessFeature.StatusName(e.StatusCode));
            statuses[e.StatusCode] = status;
        }

        Bytes(status);
        Byte((byte)'\t');
        if (e.RemoteAddress is { } address)
        {
            if (!addresses.TryGetValue(address, out var formatted))
            {
                formatted = Encoding.ASCII.GetBytes(address.ToString());
                addresses[address] = formatted;
            }

            Bytes(formatted);
            Byte((byte)':');
            Number(e.RemotePort);
        }

        Byte((byte)'\t');
        Number(e.DurationMs);
    }

    /// <summary>A value with tabs, line breaks and commas as spaces.</summary>
    private void Field(ReadOnlySpan<char> value)
    {
        Ensure(Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = buffer.AsSpan(length, Encoding.UTF8.GetBytes(value, buffer.AsSpan(length)));
        length += written.Length;
        if (value.IndexOfAny(Separators) >= 0)
        {
            // The separators are ASCII, one byte each in UTF-8 and never part of another character's bytes.
            written.ReplaceAny(SeparatorBytes, (byte)' ');
        }
    }

    private void Number(long value)
    {
        Ensure(20);
        value.TryFormat(buffer.AsSpan(length), out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
        length += written;
    }

    private void Bytes(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(buffer.AsSpan(length));
        length += value.Length;
    }

    private void Byte(byte value)
    {
        Ensure(1);
        buffer[length++] = value;
    }

    private void Ensure(int more)
    {
        if (length + more > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + more));
        }
    }
}
