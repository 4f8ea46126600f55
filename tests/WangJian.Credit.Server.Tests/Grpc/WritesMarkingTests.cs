using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using WangJian.Credit.Abstractions;
using WangJian.Credit.Server.Grpc;

namespace WangJian.Credit.Server.Tests.Grpc;

/// <summary>
/// The commit barrier is applied by the pipeline to RPCs marked <see cref="WritesAttribute"/>; this proves the
/// marks are exact by reading each RPC's code: every call it makes, followed through the project's own
/// methods, lambdas, async state machines and interface implementations, down to a grain method marked as
/// writing or a store command that writes. A new RPC that writes without the mark fails here, so it cannot
/// acknowledge before the commit by omission; a mark on an RPC that never writes fails too (a needless wait).
/// </summary>
[Trait("Category", "Unit")]
public sealed partial class WritesMarkingTests
{
    private static readonly Assembly Server = typeof(CommitBarrierInterceptor).Assembly;

    public static TheoryData<string> Rpcs()
    {
        var data = new TheoryData<string>();
        foreach (var (service, method) in RpcMethods())
        {
            data.Add($"{service.Name}.{method.Name}");
        }

        return data;
    }

    /// <summary>
    /// Writes that acknowledge nothing to the caller. A watch registers the derived view it reads from (made
    /// again by any later watch); it is a server stream, answered by its events, not by an acknowledgement.
    /// </summary>
    private static readonly HashSet<string> AcknowledgesNothing = ["CreditGrpcService.WatchCreditChanges"];

    [Theory]
    [MemberData(nameof(Rpcs))]
    public void Rpc_IsMarkedWritingExactlyWhenItsCallsReachAWrite(string rpc)
    {
        var method = RpcMethods().Single(m => $"{m.Service.Name}.{m.Method.Name}" == rpc).Method;
        var write = AcknowledgesNothing.Contains(rpc) ? null : new CallWalker().FindWrite(method);
        var marked = method.GetCustomAttribute<WritesAttribute>() is not null;

        if (write is not null)
        {
            Assert.True(marked, $"{rpc} writes ({write}) but is not marked [Writes]: it would answer before the commit");
        }
        else
        {
            Assert.False(marked, $"{rpc} is marked [Writes] but none of its calls writes");
        }
    }

    [Fact]
    public void Walker_FindsTheKnownWrites()
    {
        // The walker itself must see through async methods and into the grain interface's marks.
        Assert.Contains("RecordViolationAsync", new CallWalker().FindWrite(typeof(RegulatorGrpcService).GetMethod(nameof(RegulatorGrpcService.RecordViolation))!));
        Assert.Null(new CallWalker().FindWrite(typeof(CreditGrpcService).GetMethod(nameof(CreditGrpcService.GetCreditStatus))!));
    }

    private static IEnumerable<(Type Service, MethodInfo Method)> RpcMethods() =>
        Server.GetTypes()
            .Where(t => t.BaseType is { Namespace: "WangJian.Credit.V1" } b && b.Name.EndsWith("ServiceBase", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m.GetBaseDefinition().DeclaringType != m.DeclaringType)
                .Select(m => (t, m)));

    /// <summary>Store commands that change data (pub/sub and reads excluded).</summary>
    [GeneratedRegex(@"^(String(Set|Increment|Decrement|Append|GetSet|GetDelete)|Hash(Set|Delete|Increment|Decrement)|Set(Add|Remove|Move|Pop|CombineAndStore)|SortedSet(Add|Remove|Increment|Decrement|Pop|CombineAndStore|RangeAndStore)|List(LeftPush|RightPush|LeftPop|RightPop|Set|Trim|Remove|Insert|Move)|Key(Delete|Expire|Rename|Persist|Move|Restore|Copy)|Stream(Add|Delete|Trim|Acknowledge)|ScriptEvaluate|LockTake|LockRelease|LockExtend)")]
    private static partial Regex StoreWrite();

    private sealed class CallWalker
    {
        private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

        private readonly HashSet<MethodBase> seen = [];

        /// <summary>A description of the first write the method's calls reach, or null.</summary>
        public string? FindWrite(MethodBase method, int depth = 0)
        {
            if (depth > 12 || !seen.Add(method))
            {
                return null;
            }

            foreach (var body in Bodies(method))
            {
                foreach (var target in Calls(body))
                {
                    if (Write(target) is { } write)
                    {
                        return write;
                    }

                    foreach (var next in Follow(target))
                    {
                        if (FindWrite(next, depth + 1) is { } deeper)
                        {
                            return $"{method.DeclaringType?.Name}.{method.Name} → {deeper}";
                        }
                    }
                }
            }

            return null;
        }

        private static string? Write(MethodBase target)
        {
            if (target.GetCustomAttribute<WritesAttribute>(inherit: true) is not null)
            {
                return $"{target.DeclaringType?.Name}.{target.Name} is marked [Writes]";
            }

            return target.DeclaringType?.Namespace?.StartsWith("StackExchange.Redis", StringComparison.Ordinal) == true && StoreWrite().IsMatch(target.Name)
                ? $"store command {target.Name}"
                : null;
        }

        /// <summary>The project's own code behind a call: the method itself, or each implementation of an interface method.</summary>
        private static IEnumerable<MethodBase> Follow(MethodBase target)
        {
            var type = target.DeclaringType;
            if (type?.Assembly.GetName().Name?.StartsWith("WangJian.Credit", StringComparison.Ordinal) != true
                || type.Namespace == "WangJian.Credit.V1"
                || typeof(IGrain).IsAssignableFrom(type))
            {
                // Outside the project, generated messages, or a grain (its own writes are declared by [Writes] on its interface).
                yield break;
            }

            if (!target.IsAbstract)
            {
                yield return target;
                yield break;
            }

            if (type.IsInterface && target is MethodInfo im)
            {
                foreach (var impl in type.Assembly.GetTypes().Concat(Server.GetTypes()).Distinct()
                    .Where(t => !t.IsAbstract && !t.IsInterface && type.IsAssignableFrom(t) && !t.ContainsGenericParameters))
                {
                    var map = impl.GetInterfaceMap(type);
                    var i = Array.IndexOf(map.InterfaceMethods, im);
                    if (i >= 0)
                    {
                        yield return map.TargetMethods[i];
                    }
                }
            }
        }

        /// <summary>The method's body and, for an async method or iterator, its state machine's.</summary>
        private static IEnumerable<MethodBase> Bodies(MethodBase method)
        {
            yield return method;
            if (method.GetCustomAttribute<StateMachineAttribute>() is { } machine)
            {
                yield return machine.StateMachineType.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!;
            }
        }

        /// <summary>Every method the IL calls, constructs or takes as a delegate.</summary>
        private static IEnumerable<MethodBase> Calls(MethodBase method)
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                yield break;
            }

            var typeArgs = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
            var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
            for (var pos = 0; pos < il.Length;)
            {
                short value = il[pos] == 0xFE ? (short)(0xFE00 | il[pos + 1]) : il[pos];
                pos += il[pos] == 0xFE ? 2 : 1;
                var op = OpCodesByValue[value];
                if (op.OperandType == OperandType.InlineMethod)
                {
                    MethodBase? target = null;
                    try
                    {
                        target = method.Module.ResolveMethod(BitConverter.ToInt32(il, pos), typeArgs, methodArgs);
                    }
                    catch (ArgumentException)
                    {
                    }

                    if (target is not null)
                    {
                        yield return target;
                    }
                }

                pos += op.OperandType switch
                {
                    OperandType.InlineNone => 0,
                    OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                    OperandType.InlineVar => 2,
                    OperandType.InlineI8 or OperandType.InlineR => 8,
                    OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, pos)),
                    _ => 4,
                };
            }
        }
    }
}
