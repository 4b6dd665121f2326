"""Convolution arithmetic under the name the course issue uses; the code lives in visualdl.engine.cnn.arithmetic."""
from visualdl.engine.cnn.arithmetic import (conv_output_size, conv_param_count, describe_stack, fc_param_count,
                                            pool_output_size, stack_totals)
from visualdl.engine.cnn.stacks import STACK_PRESETS, describe_config, stack_from_config, stack_preset

__all__ = ["conv_output_size", "pool_output_size", "conv_param_count", "fc_param_count", "describe_stack",
           "stack_totals", "STACK_PRESETS", "stack_preset", "stack_from_config", "describe_config"]
