"""Convolutional networks without a framework: arithmetic, hand-made filters, pooling, ImageNet history.

    arithmetic   conv_output_size, pool_output_size, conv_param_count, describe_stack, stack_totals
    stacks       STACK_PRESETS (course stack, small/standard CNN, LeNet-5, AlexNet), stack_from_config,
                 describe_config (the table of a model config)
    kernels      kernel presets, correlate2d / apply_kernel, sliding_steps, pool2d / pool_argmax
    imagenet     IMAGENET_TOP5 (top-5 error by year with sources)
"""
from visualdl.engine.cnn.arithmetic import (conv_output_size, conv_param_count, describe_stack, fc_param_count,
                                            pool_output_size, stack_totals)
from visualdl.engine.cnn.imagenet import HUMAN_TOP5, IMAGENET_SOURCES, IMAGENET_TOP5
from visualdl.engine.cnn.kernels import (KERNEL_NAMES, KERNEL_TITLES, apply_kernel, correlate2d, kernel_preset,
                                         pad2d, pool2d, pool_argmax, relu, sliding_steps, to_grey)
from visualdl.engine.cnn.stacks import STACK_PRESETS, describe_config, stack_from_config, stack_preset

__all__ = ["conv_output_size", "pool_output_size", "conv_param_count", "fc_param_count", "describe_stack",
           "stack_totals", "STACK_PRESETS", "stack_preset", "stack_from_config", "describe_config",
           "KERNEL_NAMES", "KERNEL_TITLES",
           "kernel_preset", "pad2d", "correlate2d", "apply_kernel", "relu", "to_grey", "sliding_steps", "pool2d",
           "pool_argmax", "IMAGENET_TOP5", "IMAGENET_SOURCES", "HUMAN_TOP5"]
