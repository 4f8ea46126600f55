using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Http.Features;

namespace WangJian.Credit.Server.Grpc;

/// <summary>
/// Checks that the body of a unary call is one whole, well-formed protobuf message of the method's
/// request type before grpc-dotnet sees it. grpc-dotnet answers a message it cannot parse, or a
/// truncated frame, with UNKNOWN; a client that sent bad bytes deserves INVALID_ARGUMENT and a reason.
/// Reads the message before authentication, to note the operators it names for the access log (a refused
/// call names them too), but answers a bad one only after authorization (<see cref="RejectInvalidAsync"/>),
/// so a bad token is still UNAUTHENTICATED whatever the body.
/// Client-streaming calls are checked message by message in <see cref="ErrorInterceptor"/>.
/// </summary>
public sealed class MessageValidationMiddleware(RequestDelegate next)
{
    private const int MaxMessage = 4 * 1024 * 1024;
    private static readonly Dictionary<string, MessageDescriptor> UnaryRequests = BuildMap();

    /// <summary>Per request type, its <c>operator_id</c> and <c>operator_ids</c> fields (looked up once, not per call).</summary>
    private static readonly Dictionary<MessageDescriptor, (FieldDescriptor? One, FieldDescriptor? Many)> OperatorFields =
        UnaryRequests.Values.Distinct().ToDictionary(
            d => d,
            d => (
                d.FindFieldByName("operator_id") is { FieldType: FieldType.String, IsRepeated: false } one ? one : null,
                d.FindFieldByName("operator_ids") is { FieldType: FieldType.String, IsRepeated: true } many ? many : null));

    /// <summary>
    /// After authorization: answers a call whose message was found bad. (Mapped with <c>app.Use</c> right
    /// after <c>UseAuthorization</c>.)
    /// </summary>
    public static Task RejectInvalidAsync(HttpContext context, RequestDelegate next) =>
        context.Features.Get<InvalidMessage>() is { } invalid ? RejectAsync(context, invalid.Code, invalid.Problem) : next(context);

    /// <summary>Whether the unary method at this path (<c>/package.Service/Method</c>) has its message checked.</summary>
    internal static bool Checks(string path) => UnaryRequests.ContainsKey(path);

    public async Task InvokeAsync(HttpContext context)
    {
        if (!UnaryRequests.TryGetValue(context.Request.Path.Value ?? string.Empty, out var descriptor)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) != true)
        {
            await next(context);
            return;
        }

        // Read the whole body (consuming it, so HTTP/2 flow control moves on), check it, and hand grpc-dotnet
        // a reader over the same bytes. EnableBuffering did the same through a file-backed rewindable stream,
        // ~4 % of the CPU of a call; a reader that examines without consuming stalls Kestrel's flow control.
        var reader = context.Request.BodyReader;
        var body = new ArrayBufferWriter<byte>(256);
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
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
        }

        var bytes = body.WrittenMemory;
        var problem = Check(new ReadOnlySequence<byte>(bytes), descriptor, context.Request.Headers["grpc-encoding"].ToString(), out var message);
        if (problem is not null)
        {
            context.Features.Set(new InvalidMessage(global::Grpc.Core.StatusCode.InvalidArgument, problem));
        }
        else if (message is not null && context.Features.Get<Audit.AccessFeature>() is { } access)
        {
            NoteOperators(message, access);
        }

        context.Features.Set<IRequestBodyPipeFeature>(new BufferedBody(PipeReader.Create(new ReadOnlySequence<byte>(bytes))));
        await next(context);
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
    /// Null when the body is one complete message of the type (then <paramref name="message"/> is it, unless
    /// compressed); else what is wrong with it.
    /// </summary>
    internal static string? Check(ReadOnlySequence<byte> body, MessageDescriptor descriptor, string encoding, out IMessage? message)
    {
        message = null;
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

        if (compressed == 1)
        {
            // Compressed: grpc-dotnet decompresses (or refuses an unknown encoding) and parses it.
            return string.IsNullOrEmpty(encoding) ? "compressed message without a grpc-encoding header" : null;
        }

        try
        {
            message = descriptor.Parser.ParseFrom(body.Slice(5, length));
            return null;
        }
        catch (InvalidProtocolBufferException e)
        {
            return $"request is not a valid {descriptor.FullName}: {e.Message}";
        }
    }

    private static Task RejectAsync(HttpContext context, global::Grpc.Core.StatusCode code, string problem)
    {
        var status = new Google.Rpc.Status { Code = (int)code, Message = problem };
        if (code == global::Grpc.Core.StatusCode.InvalidArgument)
        {
            var badRequest = new BadRequest();
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = "(request)", Description = problem });
            status.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(badRequest));
        }

        return TrailersOnly.WriteAsync(context.Response, code, problem, status);
    }

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

/// <summary>A unary message found bad before authentication, answered after authorization.</summary>
internal sealed record InvalidMessage(global::Grpc.Core.StatusCode Code, string Problem);

/// <summary>The request body as already read and checked, for grpc-dotnet to read again.</summary>
internal sealed class BufferedBody(PipeReader reader) : IRequestBodyPipeFeature
{
    public PipeReader Reader => reader;
}
