"""A student's solution to the course's starter file, every TODO filled in correctly.

The tests grade this file as it is, and broken copies of it (one line replaced each), so the
lines those copies replace must stay exactly as written here.
"""
from __future__ import print_function

import numpy as np


class TwoLayerNet(object):
    """A two-layer fully-connected neural network: input -> FC -> ReLU -> FC -> softmax."""

    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params['W1'] = std * np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = std * np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        W1, b1 = self.params['W1'], self.params['b1']
        W2, b2 = self.params['W2'], self.params['b2']
        N, D = X.shape

        # TODO 1: the forward pass, class scores of shape (N, C).
        hidden = np.maximum(0, X.dot(W1) + b1)
        scores = hidden.dot(W2) + b2

        if y is None:
            return scores

        # TODO 2: softmax loss plus L2 regularisation of W1 and W2.
        shifted = scores - np.max(scores, axis=1, keepdims=True)
        probs = np.exp(shifted) / np.sum(np.exp(shifted), axis=1, keepdims=True)
        loss = -np.sum(np.log(probs[np.arange(N), y])) / N
        loss += 0.5 * reg * (np.sum(W1 * W1) + np.sum(W2 * W2))

        # TODO 3: the backward pass.
        grads = {}
        dscores = probs.copy()
        dscores[np.arange(N), y] -= 1
        dscores /= N
        grads['W2'] = hidden.T.dot(dscores) + reg * W2
        grads['b2'] = np.sum(dscores, axis=0)
        dhidden = dscores.dot(W2.T)
        dhidden[hidden <= 0] = 0
        grads['W1'] = X.T.dot(dhidden) + reg * W1
        grads['b1'] = np.sum(dhidden, axis=0)

        return loss, grads

    def train(self, X, y, X_val, y_val,
              learning_rate=1e-3, learning_rate_decay=0.95,
              reg=5e-6, num_iters=100,
              batch_size=200, verbose=False):
        num_train = X.shape[0]
        iterations_per_epoch = max(num_train / batch_size, 1)

        loss_history = []
        train_acc_history = []
        val_acc_history = []

        for it in range(num_iters):
            # TODO 4: a random minibatch.
            indices = np.random.choice(num_train, batch_size, replace=True)
            X_batch = X[indices]
            y_batch = y[indices]

            loss, grads = self.loss(X_batch, y=y_batch, reg=reg)
            loss_history.append(loss)

            # TODO 5: the SGD update.
            for name in self.params:
                self.params[name] -= learning_rate * grads[name]

            if verbose and it % 100 == 0:
                print('iteration %d / %d: loss %f' % (it, num_iters, loss))

            if it % iterations_per_epoch == 0:
                train_acc = (self.predict(X_batch) == y_batch).mean()
                val_acc = (self.predict(X_val) == y_val).mean()
                train_acc_history.append(train_acc)
                val_acc_history.append(val_acc)

                # TODO 6: decay the learning rate.
                learning_rate *= learning_rate_decay

        return {
            'loss_history': loss_history,
            'train_acc_history': train_acc_history,
            'val_acc_history': val_acc_history,
        }

    def predict(self, X):
        # TODO 7: the class with the highest score.
        y_pred = np.argmax(self.loss(X), axis=1)
        return y_pred
