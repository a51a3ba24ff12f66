// The registry of `quantscope` subcommands, one file each (CLI process). Add a command by importing it here.
import type { Command } from "../command";
import { verifyGolden } from "./verify-golden";
import { lint } from "./lint";
import { calibrateCommand } from "./calibrate";
import { quantizeCommand } from "./quantize";
import { evalCommand } from "./eval";
import { demoCommand } from "./demo";
import { compareCommand } from "./compare";

export const commands: readonly Command[] = [verifyGolden, lint, calibrateCommand, quantizeCommand, evalCommand, demoCommand, compareCommand];
