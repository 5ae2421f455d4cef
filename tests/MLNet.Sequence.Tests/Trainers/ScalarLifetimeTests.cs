using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace MLNet.Sequence.Tests.Trainers;

/// <summary>
/// TorchSharp 0.107 turns a number operand into a temporary Scalar and keeps no reference to it during the native call,
/// so a garbage collection on another thread can free the value libtorch is reading (prediction engines scoring on
/// many threads once failed with "Unknown scalar type"). Its <c>x + y</c>, one-argument <c>add</c> and short
/// <c>arange</c> make one inside TorchSharp (alpha = 1, start 0, step 1). The library passes numbers only through
/// ScalarOperands (which holds each Scalar until the call returns) or process-lifetime Scalars stored in static fields.
/// This reads the compiled IL of the library's assemblies and names every method that still makes a temporary Scalar.
/// One exception is known and documented (docs/trainers.md): softplus, whose Scalar overload TorchSharp keeps private.
/// </summary>
[TestClass]
public sealed class ScalarLifetimeTests
{
    [TestMethod]
    public void NoLibraryMethodPassesATemporaryScalarToLibtorch()
    {
        var offenders = new List<string>();
        foreach (var assembly in new[] { typeof(MLNet.Sequence.Trainers.EncoderKind).Assembly, typeof(MLNet.Sequence.SequenceTrainer).Assembly })
            offenders.AddRange(TemporaryScalarCalls(assembly.Location));
        // softplus: TorchSharp's Tensor.softplus(double, double) converts both numbers itself and offers no Scalar overload.
        offenders.RemoveAll(o => o.EndsWith("functional.softplus(Tensor, Double, Double)", StringComparison.Ordinal));
        Assert.IsEmpty(offenders, "methods that make a temporary Scalar (use ScalarOperands or a static Scalar):\n" + string.Join("\n", offenders));
    }

    [TestMethod]
    public void TheCheckFindsATemporaryScalar()
    {
        // The tests' own assembly multiplies tensors by numbers (below), so the same reading must name that method.
        var found = TemporaryScalarCalls(typeof(ScalarLifetimeTests).Assembly.Location);
        Assert.IsTrue(found.Any(f => f.Contains(nameof(MultipliesByANumber), StringComparison.Ordinal)), string.Join("\n", found));
    }

    private static TorchSharp.torch.Tensor MultipliesByANumber(TorchSharp.torch.Tensor x) => x * 0.5;

    [TestMethod]
    public void TheCheckFindsTheTemporariesInsideTorchSharp()
    {
        var found = TemporaryScalarCalls(typeof(ScalarLifetimeTests).Assembly.Location);
        Assert.IsTrue(found.Any(f => f.Contains(nameof(AddsTwoTensors), StringComparison.Ordinal) && f.Contains("op_Addition", StringComparison.Ordinal)), string.Join("\n", found));
        Assert.IsTrue(found.Any(f => f.Contains(nameof(CountsUpTo), StringComparison.Ordinal) && f.Contains("arange", StringComparison.Ordinal)), string.Join("\n", found));
    }

    private static TorchSharp.torch.Tensor AddsTwoTensors(TorchSharp.torch.Tensor x, TorchSharp.torch.Tensor y) => x + y;

    private static TorchSharp.torch.Tensor CountsUpTo(long n) => TorchSharp.torch.arange(n);

    /// <summary>"Type.Method: callee" for every call that converts a number to a Scalar, outside ScalarOperands and static constructors.</summary>
    private static List<string> TemporaryScalarCalls(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var names = new TypeNames();
        var risky = new Dictionary<int, string>();
        foreach (var handle in md.MemberReferences)
        {
            var member = md.GetMemberReference(handle);
            if (member.GetKind() != MemberReferenceKind.Method || member.Parent.Kind != HandleKind.TypeReference)
                continue;
            string parent = md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name);
            string name = md.GetString(member.Name);
            var parameters = member.DecodeMethodSignature(names, null).ParameterTypes;
            bool conversion = (parent == "Scalar" && name == "op_Implicit") || (parent == "ScalarExtensionMethods" && name == "ToScalar");
            bool numberOperator = parent == "Tensor" && name.StartsWith("op_", StringComparison.Ordinal)
                && parameters.Any(p => p is "Double" or "Single" or "Int32" or "Int64" or "Boolean" or "Byte" or "Int16");
            // TorchSharp methods that make their own temporary: x + y and add(y) (alpha = 1), arange(stop) and arange(start, stop).
            bool hidden = (parent == "Tensor" && name == "op_Addition") || (parent == "Tensor" && name is "add" or "add_" && parameters.Length == 1)
                || (name == "arange" && parameters.Count(p => p == "Scalar") < 3);
            if (conversion || numberOperator || hidden)
                risky[MetadataTokens.GetToken(handle)] = $"{parent}.{name}({string.Join(", ", parameters)})";
        }
        var found = new List<string>();
        foreach (var typeHandle in md.TypeDefinitions)
        {
            var type = md.GetTypeDefinition(typeHandle);
            string typeName = md.GetString(type.Name);
            for (var outer = type.GetDeclaringType(); !outer.IsNil; outer = md.GetTypeDefinition(outer).GetDeclaringType())
                typeName = md.GetString(md.GetTypeDefinition(outer).Name) + "." + typeName;
            if (typeName == "ScalarOperands")
                continue;
            foreach (var methodHandle in type.GetMethods())
            {
                var method = md.GetMethodDefinition(methodHandle);
                string methodName = md.GetString(method.Name);
                if (method.RelativeVirtualAddress == 0)
                    continue;
                var il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? Array.Empty<byte>();
                foreach (var (token, next) in CallTokens(il))
                    // A static constructor may make the Scalars it stores in static fields (they live for the process).
                    if (risky.TryGetValue(token, out var callee) && !(methodName == ".cctor" && next == StoreStaticField))
                        found.Add($"{typeName}.{methodName}: {callee}");
            }
        }
        return found;
    }

    private const int StoreStaticField = 0x80;

    /// <summary>
    /// The metadata token of each call, callvirt and newobj instruction of a method body, and the opcode of the
    /// instruction after it (-1 at the end), walking the body instruction by instruction.
    /// </summary>
    private static IEnumerable<(int Token, int Next)> CallTokens(byte[] il)
    {
        int i = 0;
        while (i < il.Length)
        {
            int op = il[i++];
            if (op == 0xFE)
            {
                int second = il[i++];
                i += second switch { 0x09 or 0x0A or 0x0B or 0x0C or 0x0D or 0x0E => 2, 0x12 or 0x19 => 1, 0x06 or 0x07 or 0x15 or 0x16 or 0x1C => 4, _ => 0 };
                continue;
            }
            if (op is 0x28 or 0x6F or 0x73)
            {
                int token = BitConverter.ToInt32(il, i);
                i += 4;
                yield return (token, i < il.Length ? il[i] : -1);
                continue;
            }
            if (op == 0x45)
            {
                int n = BitConverter.ToInt32(il, i);
                i += 4 + 4 * n;
                continue;
            }
            i += OperandSize(op);
        }
    }

    private static int OperandSize(int op) => op switch
    {
        0x0E or 0x0F or 0x10 or 0x11 or 0x12 or 0x13 or 0x1F or 0xDE => 1,                       // short var/arg, ldc.i4.s, leave.s
        >= 0x2B and <= 0x37 => 1,                                                              // short branches
        0x20 or 0x22 or 0x27 or 0x29 or 0x38 or 0x39 or 0x3A or 0x3B or 0x3C or 0x3D or 0x3E or 0x3F or 0x40 or 0x41 or 0x42 or 0x43 or 0x44
            or 0x70 or 0x71 or 0x72 or 0x74 or 0x75 or 0x79 or 0x7B or 0x7C or 0x7D or 0x7E or 0x7F or 0x80 or 0x81 or 0x8C or 0x8D or 0x8F
            or 0xA3 or 0xA4 or 0xA5 or 0xC2 or 0xC6 or 0xD0 or 0xDD => 4,
        0x21 or 0x23 => 8,                                                                     // ldc.i8, ldc.r8
        _ => 0,
    };

    private sealed class TypeNames : ISignatureTypeProvider<string, object?>
    {
        public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[,]";
        public string GetByReferenceType(string elementType) => elementType + "&";
        public string GetFunctionPointerType(MethodSignature<string> signature) => "method";
        public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType;
        public string GetGenericMethodParameter(object? genericContext, int index) => "!!" + index;
        public string GetGenericTypeParameter(object? genericContext, int index) => "!" + index;
        public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;
        public string GetPinnedType(string elementType) => elementType;
        public string GetPointerType(string elementType) => elementType + "*";
        public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();
        public string GetSZArrayType(string elementType) => elementType + "[]";
        public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);
        public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);
        public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) => "generic";
    }
}
