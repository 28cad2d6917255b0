// A model file that is valid GGUF but not a model this worker can run:
// wrong architecture, missing or inconsistent hyperparameters, tensors with
// the wrong shape or an unsupported type.
#pragma once

#include <stdexcept>
#include <string>

namespace worker::model {

class ModelError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

} // namespace worker::model
