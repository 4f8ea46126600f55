using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Http.Features;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Checks that the body of a unary call is one whole gRPC frame (a 5-byte header and the message it
/// announces, nothing after it) before grpc-dotnet reads it: grpc-dotnet answers a truncated frame with
/// UNKNOWN or INTERNAL, and a client that sent bad bytes deserves INVALID_ARGUMENT and a reason. The message
/// itself is parsed once, by grpc-dotnet, with a deserializer that refuses bad bytes the same way
/// (<see cref="CheckedRequestMessages"/>). A bad frame is answered only after authorization
/// (<see cref="RejectInvalidAsync"/>), so a bad token is still UNAUTHENTICATED whatever the body.
/// Client-streaming calls are checked message by message in <see cref="ErrorInterceptor"/>.
/// </summary>
public sealed class MessageValidationMiddleware(RequestDelegate next)
{
    private const int MaxMessage = 4 * 1024 * 1024;

    /// <summary>
    /// A body up to this size is examined in place (read without being consumed, then read again by grpc-dotnet);
    /// a larger one is copied. Unconsumed bytes hold back the stream's flow-control window (Kestrel's is 768 KiB),
    /// so examining in place must stop well below it.
    /// </summary>
    private const int InPlace = 64 * 1024;

    private static readonly Dictionary<string, MessageDescriptor> UnaryRequests = BuildMap();

    /// <summary>Per request type, its <c>operator_id</c> and <c>operator_ids</c> fields (looked up once, not per call).</summary>
    private static readonly Dictionary<MessageDescriptor, (FieldDescriptor? One, FieldDescriptor? Many)> OperatorFields =
        UnaryRequests.Values.Distinct().ToDictionary(
            d => d,
            d => (
                d.FindFieldByName("operator_id") is { FieldType: FieldType.String, IsRepeated: false } one ? one : null,
                d.FindFieldByName("operator_ids") is { FieldType: FieldType.String, IsRepeated: true } many ? many : null));

    /// <summary>
    /// After authorization: answers a call whose frame was found bad. (Mapped with <c>app.Use</c> right
    /// after <c>UseAuthorization</c>.)
    /// </summary>
    public static Task RejectInvalidAsync(HttpContext context, RequestDelegate next) =>
        context.Features.Get<InvalidMessage>() is { } invalid ? RejectAsync(context, invalid.Code, invalid.Problem) : next(context);

    /// <summary>Whether the unary method at this path (<c>/package.Service/Method</c>) has its message checked.</summary>
    internal static bool Checks(string path) => UnaryRequests.ContainsKey(path);

    public Task InvokeAsync(HttpContext context)
    {
        if (!UnaryRequests.ContainsKey(context.Request.Path.Value ?? string.Empty)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            return next(context);
        }

        // The usual unary call: its whole body arrived with its headers. Checked where it lies, synchronously.
        var reader = context.Request.BodyReader;
        if (reader.TryRead(out var read))
        {
            if (read.IsCompleted || read.IsCanceled)
            {
                CheckInPlace(context, reader, read);
                return next(context);
            }

            // Part of it: give it back and wait for the rest.
            reader.AdvanceTo(read.Buffer.Start);
        }

        return ReadAndCheckAsync(context, reader);
    }

    /// <summary>The whole body is here: check it where it lies and leave it unconsumed for grpc-dotnet.</summary>
    private static void CheckInPlace(HttpContext context, PipeReader reader, ReadResult read)
    {
        var problem = CheckFrame(read.Buffer, context.Request.Headers["grpc-encoding"].ToString());
        reader.AdvanceTo(read.Buffer.Start);
        if (problem is not null)
        {
            context.Features.Set(new InvalidMessage(global::Grpc.Core.StatusCode.InvalidArgument, problem));
        }
    }

    private async Task ReadAndCheckAsync(HttpContext context, PipeReader reader)
    {
        var read = await ReadInPlaceAsync(reader, context.RequestAborted);

        if (read.IsCompleted || read.IsCanceled)
        {
            CheckInPlace(context, reader, read);
            await next(context);
            return;
        }

        // A large body still arriving: read it all (consuming it, so HTTP/2 flow control moves on), check it, and
        // hand grpc-dotnet a reader over the same bytes.
        var body = new ArrayBufferWriter<byte>((int)read.Buffer.Length * 2);
        while (true)
        {
            foreach (var segment in read.Buffer)
            {
                body.Write(segment.Span);
            }

            reader.AdvanceTo(read.Buffer.End);
            if (body.WrittenCount > MaxMessage + 5)
            {
                context.Features.Set(new InvalidMessage(global::Grpc.Core.StatusCode.ResourceExhausted, $"message larger than the {MaxMessage}-byte limit"));
                await next(context);
                return;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            read = await reader.ReadAsync(context.RequestAborted);
        }

        var bytes = new ReadOnlySequence<byte>(body.WrittenMemory);
        if (CheckFrame(bytes, context.Request.Headers["grpc-encoding"].ToString()) is { } bad)
        {
            context.Features.Set(new InvalidMessage(global::Grpc.Core.StatusCode.InvalidArgument, bad));
        }

        context.Features.Set<IRequestBodyPipeFeature>(new BufferedBody(PipeReader.Create(bytes)));
        await next(context);
    }

    /// <summary>
    /// For a call refused before its service ran (by authentication, authorization or the rate limit): the
    /// operators its unary message names, for the access log; a call that runs has them noted from the
    /// message grpc-dotnet parsed (<see cref="ErrorInterceptor"/>). Reads the body without consuming it.
    /// </summary>
    internal static async Task NoteRefusedOperatorsAsync(HttpContext context)
    {
        if (context.Features.Get<Audit.AccessFeature>() is not { IsRest: false } access
            || context.Features.Get<InvalidMessage>() is not null
            || !UnaryRequests.TryGetValue(context.Request.Path.Value ?? string.Empty, out var descriptor))
        {
            return;
        }

        var reader = context.Request.BodyReader;
        var read = await ReadInPlaceAsync(reader, context.RequestAborted);
        try
        {
            if (read.IsCompleted && CheckFrame(read.Buffer, string.Empty) is null && read.Buffer.FirstSpan[0] == 0)
            {
                NoteOperators(descriptor.Parser.ParseFrom(read.Buffer.Slice(5)), access);
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Not a message: it names no operator.
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.Start);
        }
    }

    /// <summary>The request's <c>operator_id</c> and every one of its <c>operator_ids</c>, as sent (trimmed).</summary>
    internal static void NoteOperators(IMessage message, Audit.AccessFeature access)
    {
        if (!OperatorFields.TryGetValue(message.Descriptor, out var fields))
        {
            return;
        }

        var (one, many) = fields;
        if (one is not null)
        {
            access.Concerns(((string)one.Accessor.GetValue(message)).Trim());
        }

        if (many is not null)
        {
            foreach (var id in (IEnumerable<string>)many.Accessor.GetValue(message))
            {
                access.Concerns(id.Trim());
            }
        }
    }

    /// <summary>
    /// Reads until the body is complete or larger than <see cref="InPlace"/>, consuming nothing: the caller
    /// must advance the reader past (or back to the start of) the result.
    /// </summary>
    private static async Task<ReadResult> ReadInPlaceAsync(PipeReader reader, CancellationToken cancel)
    {
        var read = await reader.ReadAsync(cancel);
        while (!read.IsCompleted && !read.IsCanceled && read.Buffer.Length <= InPlace)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await reader.ReadAsync(cancel);
        }

        return read;
    }

    /// <summary>Null when the body is exactly one gRPC frame within the size limit; else what is wrong with it.</summary>
    internal static string? CheckFrame(ReadOnlySequence<byte> body, string encoding)
    {
        if (body.Length < 5)
        {
            return $"truncated gRPC frame: {body.Length} bytes, a frame has a 5-byte header";
        }

        Span<byte> header = stackalloc byte[5];
        body.Slice(0, 5).CopyTo(header);
        var compressed = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (compressed > 1)
        {
            return $"invalid gRPC frame: compression flag {compressed}";
        }

        if (length > MaxMessage)
        {
            return $"message of {length} bytes exceeds the {MaxMessage}-byte limit";
        }

        if (body.Length - 5 < length)
        {
            return $"truncated gRPC frame: header announces {length} bytes, {body.Length - 5} arrived";
        }

        if (body.Length - 5 > length)
        {
            return "a unary call carries exactly one message; more data followed it";
        }

        // A compressed message is decompressed (or its unknown encoding refused) and parsed by grpc-dotnet.
        return compressed == 1 && string.IsNullOrEmpty(encoding) ? "compressed message without a grpc-encoding header" : null;
    }

    private static Task RejectAsync(HttpContext context, global::Grpc.Core.StatusCode code, string problem) =>
        TrailersOnly.WriteAsync(context.Response, code, problem, CheckedRequestMessages.Status(code, problem));

    private static Dictionary<string, MessageDescriptor> BuildMap()
    {
        var map = new Dictionary<string, MessageDescriptor>(StringComparer.Ordinal);
        foreach (var file in new[] { V1.RegulatorReflection.Descriptor, V1.CreditReflection.Descriptor, V1.AgencyReflection.Descriptor, V1.AuditReflection.Descriptor, V1.PlatformReflection.Descriptor, V1.PolicyReflection.Descriptor, V1.OperatorReflection.Descriptor, V1.PublicReflection.Descriptor })
        {
            foreach (var service in file.Services)
            {
                foreach (var method in service.Methods.Where(m => !m.IsClientStreaming))
                {
                    map[$"/{service.FullName}/{method.Name}"] = method.InputType;
                }
            }
        }

        return map;
    }
}

/// <summary>A unary frame found bad before authentication, answered after authorization.</summary>
internal sealed record InvalidMessage(global::Grpc.Core.StatusCode Code, string Problem);

/// <summary>The request body as already read and checked, for grpc-dotnet to read again.</summary>
internal sealed class BufferedBody(PipeReader reader) : IRequestBodyPipeFeature
{
    public PipeReader Reader => reader;
}
