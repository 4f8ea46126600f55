using System.Globalization;
using System.Text;
using Google.Protobuf;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// A gRPC error answered before grpc-dotnet runs (authentication, frame validation): HTTP 200 with the
/// status in the headers, the "trailers-only" response of the gRPC over HTTP/2 spec.
/// </summary>
public static class TrailersOnly
{
    public static async Task WriteAsync(HttpResponse response, global::Grpc.Core.StatusCode code, string message, Google.Rpc.Status? details = null)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        if (details is not null)
        {
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(details.ToByteArray()).TrimEnd('=');
        }

        await response.CompleteAsync();
    }

    /// <summary>grpc-message encoding: UTF-8, with bytes outside 0x20–0x7E and '%' as %XX.</summary>
    private static string PercentEncode(string message)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }
}
