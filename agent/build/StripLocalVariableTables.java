import java.io.IOException;
import java.io.OutputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.attribute.LineNumberInfo;
import java.lang.classfile.attribute.StackMapFrameInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the production jar (agent/pom.xml, after the shade plugin): drops the LocalVariableTable and
 * LocalVariableTypeTable of every method in {@code JAR}, in place, and nothing else.
 *
 * <p>Why: the libraries are compiled with {@code -g}, and the JVM keeps each method's local-variable table with its
 * bytecode for as long as the class is loaded; with the AOT cache every class the agent uses is loaded at start, so
 * the tables (~100,000 entries, 12 bytes each, and their names) are resident on every node for nothing: only a
 * debugger reads them. Line numbers, stack maps, signatures and parameter names (MethodParameters, which Jackson
 * reads) stay, so stack traces in the log are unchanged.
 *
 * <p>A class is rewritten only when it has such a table, and kept as it was unless the rewritten one has the same
 * bytecode, exception table, line numbers and stack-map frames; entries keep their order, names and times.
 *
 * <p>Run with JDK 25 (the class-file API): {@code java StripLocalVariableTables.java JAR}.
 */
public final class StripLocalVariableTables {

    private static final ClassFile READ = ClassFile.of();
    private static final ClassFile STRIP = ClassFile.of(ClassFile.DebugElementsOption.DROP_DEBUG);

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java StripLocalVariableTables.java JAR");
            System.exit(2);
        }
        Path jar = Path.of(args[0]);
        Path out = jar.resolveSibling(jar.getFileName() + ".stripping");
        int stripped = 0;
        int kept = 0;
        long before = 0;
        long after = 0;
        try (var in = new ZipFile(jar.toFile()); OutputStream file = Files.newOutputStream(out);
             var zip = new ZipOutputStream(file)) {
            for (ZipEntry entry : Collections.list(in.entries())) {
                byte[] bytes = in.getInputStream(entry).readAllBytes();
                byte[] written = bytes;
                if (entry.getName().endsWith(".class")) {
                    ClassModel original = READ.parse(bytes);
                    if (hasLocalVariableTables(original)) {
                        written = strip(entry.getName(), bytes, original);
                        if (written == bytes) {
                            kept++;
                        } else {
                            stripped++;
                            before += bytes.length;
                            after += written.length;
                        }
                    }
                }
                zip.putNextEntry(copyOf(entry, written != bytes));
                zip.write(written);
                zip.closeEntry();
            }
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.printf("StripLocalVariableTables: %s: %d classes without local-variable tables (%,d -> %,d bytes),"
                + " %d kept as they were%n", jar.getFileName(), stripped, before, after, kept);
    }

    /** The class ({@code bytes}, read as {@code original}) without its local-variable tables, or {@code bytes}. */
    static byte[] strip(String name, byte[] bytes, ClassModel original) {
        try {
            byte[] rewritten = STRIP.transformClass(STRIP.parse(bytes),
                    ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL));
            ClassModel result = READ.parse(rewritten);
            if (!hasLocalVariableTables(result) && sameCode(original, result)) {
                return rewritten;
            }
            System.err.println("StripLocalVariableTables: " + name + ": the rewritten class differs; kept as it was");
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("StripLocalVariableTables: " + name + ": " + e.getMessage() + "; kept as it was");
        }
        return bytes;
    }

    static boolean hasLocalVariableTables(ClassModel model) {
        return model.methods().stream().flatMap(m -> m.code().stream()).anyMatch(code ->
                code.findAttribute(Attributes.localVariableTable()).isPresent()
                        || code.findAttribute(Attributes.localVariableTypeTable()).isPresent());
    }

    /** Same methods, and in each the same bytecode, limits, exception table, line numbers and stack-map frames. */
    private static boolean sameCode(ClassModel a, ClassModel b) {
        List<MethodModel> ma = a.methods();
        List<MethodModel> mb = b.methods();
        if (ma.size() != mb.size() || !a.thisClass().asInternalName().equals(b.thisClass().asInternalName())) {
            return false;
        }
        for (int i = 0; i < ma.size(); i++) {
            if (!ma.get(i).methodName().equalsString(mb.get(i).methodName().stringValue())
                    || !ma.get(i).methodType().equalsString(mb.get(i).methodType().stringValue())) {
                return false;
            }
            var ca = ma.get(i).findAttribute(Attributes.code());
            var cb = mb.get(i).findAttribute(Attributes.code());
            if (ca.isPresent() != cb.isPresent() || ca.isPresent() && !sameCode(ca.get(), cb.get())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameCode(CodeAttribute a, CodeAttribute b) {
        return Arrays.equals(a.codeArray(), b.codeArray()) && a.maxStack() == b.maxStack()
                && a.maxLocals() == b.maxLocals()
                && Objects.equals(handlers(a), handlers(b)) && Objects.equals(lines(a), lines(b))
                && Objects.equals(frames(a), frames(b));
    }

    private static List<String> handlers(CodeAttribute code) {
        return code.exceptionHandlers().stream().map(h -> code.labelToBci(h.tryStart()) + "-"
                + code.labelToBci(h.tryEnd()) + ">" + code.labelToBci(h.handler()) + " "
                + h.catchType().map(c -> c.asInternalName()).orElse("*")).toList();
    }

    private static List<String> lines(CodeAttribute code) {
        return code.findAttributes(Attributes.lineNumberTable()).stream()
                .flatMap(t -> t.lineNumbers().stream())
                .map((LineNumberInfo l) -> l.startPc() + ":" + l.lineNumber()).toList();
    }

    private static List<String> frames(CodeAttribute code) {
        return code.findAttribute(Attributes.stackMapTable()).stream()
                .flatMap(t -> t.entries().stream())
                .map((StackMapFrameInfo f) -> code.labelToBci(f.target()) + " " + f.frameType() + " "
                        + f.locals().stream().map(t -> type(code, t)).toList() + " "
                        + f.stack().stream().map(t -> type(code, t)).toList()).toList();
    }

    private static String type(CodeAttribute code, StackMapFrameInfo.VerificationTypeInfo type) {
        return switch (type) {
            case StackMapFrameInfo.UninitializedVerificationTypeInfo u -> "new@" + code.labelToBci(u.newTarget());
            case StackMapFrameInfo.ObjectVerificationTypeInfo o -> o.className().asInternalName();
            case StackMapFrameInfo.SimpleVerificationTypeInfo s -> s.name();
        };
    }

    /** The entry's name, time and comment; a rewritten one compressed anew. */
    private static ZipEntry copyOf(ZipEntry entry, boolean rewritten) {
        if (!rewritten) {
            var copy = new ZipEntry(entry);
            if (copy.getMethod() == ZipEntry.DEFLATED) {
                copy.setCompressedSize(-1); // our deflater's size, not the original's
            }
            return copy;
        }
        var copy = new ZipEntry(entry.getName());
        copy.setTime(entry.getTime());
        copy.setComment(entry.getComment());
        copy.setExtra(entry.getExtra());
        return copy;
    }
}
