package dev.vigil.engine.internal.shared;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompileException;
import com.espertech.esper.compiler.client.EPCompiler;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPDeployException;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import dev.vigil.rules.ast.Expr;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The engine's own Esper configuration and EPL translation, reached by reflection because both
 * are package-private where they live ({@code EsperHost.configuration()}, {@code EplExpr}): the
 * differential tests then compare HavingEval with exactly what the engine deploys.
 */
final class EsperAccess {
    private static final AtomicInteger RUNTIMES = new AtomicInteger();

    private final Configuration config;
    private final EPCompiler compiler = EPCompilerProvider.getCompiler();
    private final EPRuntime runtime;

    EsperAccess() {
        this.config = engineConfiguration();
        this.runtime = EPRuntimeProvider.getRuntime("having-eval-" + RUNTIMES.incrementAndGet(), config);
        runtime.getEventService().advanceTime(0);
    }

    EPRuntime runtime() {
        return runtime;
    }

    /** Compiles and deploys {@code epl} against the runtime's path (so it sees public schemas). */
    EPDeployment deploy(String epl) throws EPCompileException, EPDeployException {
        return runtime.getDeploymentService().deploy(compile(epl));
    }

    EPCompiled compile(String epl) throws EPCompileException {
        CompilerArguments args = new CompilerArguments(config);
        args.getPath().add(runtime.getRuntimePath());
        return compiler.compile(epl, args);
    }

    void destroy() {
        runtime.destroy();
    }

    /** The EPL the engine writes for {@code e}, each field reference written by {@code fields}. */
    static String epl(Expr e, Function<Expr.FieldRef, String> fields) {
        try {
            return (String) EPL_OF.invoke(EPL_EXPR.newInstance(fields), e);
        } catch (ReflectiveOperationException ex) {
            throw new IllegalStateException("EplExpr.of failed for " + e, ex);
        }
    }

    private static final Constructor<?> EPL_EXPR;
    private static final Method EPL_OF;

    static {
        try {
            Class<?> c = Class.forName("dev.vigil.engine.internal.epl.EplExpr");
            EPL_EXPR = c.getDeclaredConstructor(Function.class);
            EPL_EXPR.setAccessible(true);
            EPL_OF = c.getDeclaredMethod("of", Expr.class);
            EPL_OF.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static Configuration engineConfiguration() {
        try {
            Method m = Class.forName("dev.vigil.engine.internal.esper.EsperHost").getDeclaredMethod("configuration");
            m.setAccessible(true);
            return (Configuration) m.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("EsperHost.configuration() is not reachable", e);
        }
    }
}
